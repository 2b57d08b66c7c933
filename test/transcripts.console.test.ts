/** Every transcript (test/transcripts/*.yaml) through the console channel; the runner is test/helpers/transcripts.ts. */
import { playTranscripts } from "./helpers/transcripts.js";

playTranscripts("console");
