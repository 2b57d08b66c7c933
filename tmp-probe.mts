import { loadDeployment } from "./src/config/deployment.ts";
import { Municipalities } from "./src/domain/municipalities.ts";
import { understandingFor } from "./src/app.ts";
const d = loadDeployment("config/deployment.yaml");
const m = Municipalities.load("data", d);
const { understander } = await understandingFor(process.env.LOC ?? "locales", m, d);
const lines = (await import("node:fs")).readFileSync(process.argv[2], "utf8").trim().split("\n");
for (const line of lines) {
  const [lang, text] = line.split("|");
  const u = await understander.understand(text, lang as never);
  console.log(lang, JSON.stringify(text), u.intents.slice(0, 3).map((i) => `${i.name} ${i.score.toFixed(2)}`).join(", "), Object.keys(u.entities).join(","));
}
