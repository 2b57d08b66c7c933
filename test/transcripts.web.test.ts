/**
 * Every transcript (test/transcripts/*.yaml) through the web chat: its HTTP API on a real server, and its
 * stream of notices read and acknowledged as the page does. The runner is test/helpers/transcripts.ts.
 */
import { playTranscripts } from "./helpers/transcripts.js";

playTranscripts("web");
