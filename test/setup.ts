/** Runs in every test file (vitest.config.ts `setupFiles`): the file's temporary folders go when it ends. */
import { afterAll } from "vitest";
import { removeTempDirs } from "./helpers/temp-dirs.js";

afterAll(removeTempDirs);
