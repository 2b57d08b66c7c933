/** The project's commands run as real processes (`npm start`, `npm run chat`), as a user would. */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { readFileSync } from "node:fs";

export interface Finished {
  code: number | null;
  /** The signal that ended it, when one did (`code` is then null). */
  signal?: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Running {
  child: ChildProcessWithoutNullStreams;
  /** Resolves once stdout has printed something matching. */
  printed(pattern: RegExp, timeoutMs?: number): Promise<void>;
  finished: Promise<Finished>;
}

/** Starts `<script>` under tsx with the given environment added to this one; signals reach it directly. */
export function start(script: string, args: string[], env: Record<string, string>): Running {
  const child = spawn(process.execPath, ["--import", "tsx", script, ...args], { env: { ...process.env, ...env } });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  const finished = new Promise<Finished>((resolve) => child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr })));
  return {
    child,
    finished,
    printed: (pattern, timeoutMs = 20_000) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${script} did not print ${pattern} in ${timeoutMs} ms:\n${stdout}\n${stderr}`)), timeoutMs);
        const check = () => {
          if (!pattern.test(stdout)) return;
          clearTimeout(timer);
          child.stdout.off("data", check);
          resolve();
        };
        // A process that ends first never prints it: no timer left behind.
        const ended = () => {
          clearTimeout(timer);
          reject(new Error(`${script} ended before printing ${pattern}:\n${stdout}\n${stderr}`));
        };
        child.stdout.on("data", check);
        child.once("close", ended);
        check();
      }),
  };
}

/** The resident memory of process `pid` (this one by default), in bytes, as the system counts it. */
export function rssOf(pid: number = process.pid): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) * 1024;
}

/** Runs a command to its end with `input` on stdin. */
export function run(script: string, args: string[], env: Record<string, string>, input = ""): Promise<Finished> {
  const running = start(script, args, env);
  running.child.stdin.end(input);
  return running.finished;
}

/** What a failed command said must be one line, and no stack trace. */
export function oneLine(stderr: string): string {
  const lines = stderr.trim().split("\n");
  if (lines.length !== 1 || /^\s+at /m.test(stderr)) throw new Error(`expected one line on stderr, got:\n${stderr}`);
  return lines[0];
}
