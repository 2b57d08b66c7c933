/**
 * A disk that fills up during one write, as the kernel reports it: the write of bytes carrying
 * `marker` stores nothing (or, with `half`, the first half of them) and fails with ENOSPC.
 * The store's files are written with fs.writeSync; tests undo this with vi.restoreAllMocks().
 */
import fs from "node:fs";
import { vi } from "vitest";

export interface DiskFull {
  /** The first half of the bytes is stored, then the disk is full. */
  half?: boolean;
  /** Called as the disk is found full (the write under way). */
  onFull?: () => void;
}

export function diskFullDuring(marker: string, options: DiskFull = {}): void {
  const real = fs.writeSync;
  let stage: "waiting" | "cut" | "done" = "waiting";
  const enospc = () => Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC", errno: -28, syscall: "write" });
  vi.spyOn(fs, "writeSync").mockImplementation(((fd: number, buffer: Buffer, offset: number, length: number) => {
    if (stage === "waiting" && Buffer.isBuffer(buffer) && buffer.includes(marker)) {
      stage = options.half ? "cut" : "done";
      options.onFull?.();
      if (!options.half) throw enospc();
      // A short write, then the next call finds the disk full.
      return real(fd, buffer, offset, Math.floor(length / 2));
    }
    if (stage === "cut") {
      stage = "done";
      throw enospc();
    }
    return real(fd, buffer, offset, length);
  }) as unknown as typeof fs.writeSync);
}
