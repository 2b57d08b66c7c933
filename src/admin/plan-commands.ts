/**
 * `npm run admin -- plan …` on a composition of its own: the bot is not running, or runs on MongoDB
 * (next to a running bot on the embedded store, cli.ts hands the command to it instead).
 */
import { type App, createApp } from "../app.js";
import type { Config } from "../config/settings.js";
import { type Out, refusePlan, runPlanCommand } from "../secretariat/plan-commands.js";
import { DataDirInUseError } from "../store/embedded/lock.js";
import { createLogger } from "../util/logger.js";

/** Runs a plan command; resolves with the exit status. */
export function planCommand(argv: string[], config: Config, out: Out): Promise<number> {
  return runPlanCommand(argv, (run) => withApp(config, out, run), out);
}

/** The bot's composition on its store, for one command; closed afterwards. */
async function withApp(config: Config, out: Out, run: (app: App) => Promise<number>): Promise<number> {
  let app: App;
  try {
    app = await createApp(config, { logger: createLogger(process.env.LOG_LEVEL ?? "warn", process.stderr) });
  } catch (err) {
    if (err instanceof DataDirInUseError) {
      out.stderr(
        `municipio-abierto admin: the bot is running on ${config.DATA_DIR} (the embedded store has one process): stop it, run the command, and start it again\n`,
      );
      return 1;
    }
    throw err;
  }
  try {
    return await run(app);
  } catch (err) {
    return refusePlan(err, out);
  } finally {
    await app.close();
  }
}
