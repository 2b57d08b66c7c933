/**
 * Routes declare their schemas (body, querystring, headers, response) with zod, the project's one
 * validation library: Fastify checks each request against them before the handler runs (a refusal
 * is a 400 the server's error handler answers in the visitor's language) and writes each response
 * through them, so a field a handler did not mean to send never leaves the server.
 */
import type { FastifyInstance } from "fastify";
import type { ZodType } from "zod";

export function useZodSchemas(app: FastifyInstance): void {
  app.setValidatorCompiler<ZodType>(({ schema }) => (data) => {
    const result = schema.safeParse(data);
    return result.success ? { value: result.data } : { error: new Error(result.error.issues.map((i) => i.path.join(".") || "(root)").join(", ")) };
  });
  app.setSerializerCompiler<ZodType>(
    ({ schema }) =>
      (data) =>
        JSON.stringify(schema.parse(data)),
  );
}
