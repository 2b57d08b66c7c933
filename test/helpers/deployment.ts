/** The shipped deployment facts (config/deployment.yaml), as the bot reads them at start-up. */
import { loadDeployment } from "../../src/config/deployment.js";

export const deployment = loadDeployment("config/deployment.yaml");
