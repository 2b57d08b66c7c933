/**
 * What the simulated citizens of `npm run bench` type: the report conversation, worded as people
 * word it — greetings, yeses and skips written several ways, the municipality as each one writes
 * it, a description of their own — so that nothing is measured on one text repeated a thousand
 * times (the language understanding remembers short texts it has read: only repetition real
 * citizens make helps it).
 */
import type { Municipalities } from "../src/domain/municipalities.js";
import { pick, random } from "./random.js";

const GREETINGS = ["hola", "Hola", "hola!", "Hola buenas tardes", "buenas tardes", "buenos días", "Buenas noches", "hola buen dia", "Qué tal", "ola"];
/** As the locales' `words` lists have them, capitals and accents as people type them. */
export const YES = ["si", "sí", "Si", "Sí", "SI", "claro", "Claro", "ok", "de acuerdo", "acepto", "Acepto", "va"];
const SKIP = ["omitir", "Omitir", "no", "No", "sin foto", "después", "luego", "saltar"];
const SKIP_PLACE = ["omitir", "Omitir", "no", "sin ubicación", "después", "saltar"];
const PROBLEMS = ["Hay un bache enorme", "Un bache muy profundo", "Hay varios baches", "Se hizo un hoyo en el pavimento", "Un bache que ya tiene semanas"];
const PLACES = [
  "frente a la escuela primaria",
  "en la esquina de",
  "a media cuadra del mercado sobre",
  "junto a la parada del camión en",
  "afuera de la iglesia de",
];
const STREETS = ["Hidalgo", "Juárez", "Morelos", "5 de Mayo", "Independencia", "Benito Juárez", "Allende", "Reforma", "Zaragoza", "Guerrero"];
const AFTER = ["los coches se desvían", "ya se cayó un motociclista", "se llena de agua cuando llueve", "está creciendo", "nadie lo ha tapado"];

/** One citizen's messages, in order: greeting, menu choice, consent, municipality, category, description, photo, location, identity, send. */
export function citizenScript(municipality: string): string[] {
  const description = `${pick(PROBLEMS)} ${pick(PLACES)} ${pick(STREETS)} ${Math.floor(random() * 900) + 1}, ${pick(AFTER)}`;
  const place = random() < 0.5 ? municipality : municipality.toLowerCase();
  return [pick(GREETINGS), "1", pick(YES), place, "2", description, pick(SKIP), pick(SKIP_PLACE), "1", "1"];
}

export const STEPS = 10;

/** Municipalities whose name points to one alone, capitals or not (the bot asks which "Cuautitlán" is meant: another conversation). */
export function unambiguous(municipalities: Municipalities) {
  return municipalities.list.filter((m) => municipalities.search(m.name).length === 1 && municipalities.search(m.name.toLowerCase()).length === 1);
}
