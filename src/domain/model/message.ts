/** A message to a citizen, rendered in their language and neutral to the channel that will carry it. */
import type { Language } from "../../locale/languages.js";

/** Text, optional choices (buttons or a numbered list), optional request for a location or photo. */
export interface OutboundMessage {
  id: string;
  /** The language the text is in, for the channel's own labels (buttons, hints). */
  lang: Language;
  text: string;
  choices?: { value: string; label: string }[];
  request?: "location" | "photo";
}
