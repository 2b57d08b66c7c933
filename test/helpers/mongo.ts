/** MongoDB for tests and scripts that use a real server (MONGODB_URI). */

/**
 * The URI with another database in its path (none for `""`): a throw-away database beside the one
 * configured. Credentials keep authenticating where they did: the configured database, unless the
 * URI names an `authSource`. Works on seed lists (`host1,host2`) and `mongodb+srv`.
 */
export function withDatabase(uri: string, db: string): string {
  const parts = /^(mongodb(?:\+srv)?:\/\/)([^/?]*)(?:\/([^?]*))?(?:\?(.*))?$/.exec(uri);
  if (!parts) throw new Error("MONGODB_URI is not a mongodb:// or mongodb+srv:// URI");
  const [, scheme, hosts, configured = "", query = ""] = parts;
  const options = new URLSearchParams(query);
  // (An SRV record may name the authSource itself: left to it.)
  if (scheme === "mongodb://" && hosts.includes("@") && configured && !options.has("authSource")) options.set("authSource", decodeURIComponent(configured));
  const rest = options.toString();
  return `${scheme}${hosts}/${db}${rest ? `?${rest}` : ""}`;
}
