import Ajv, { type ValidateFunction } from 'ajv'
import Ajv2020 from 'ajv/dist/2020'
import type { JsonSchema } from './types'

/**
 * ajv, which registry.ts imports dynamically on the first argument check: the compiled binary
 * keeps it in its own chunk, so a hub whose tools are never called does not carry it (≈4 MB of
 * idle RSS).
 */
export class SchemaCompiler {
  // Upstream schemas are written for many validators; be lenient about keywords we do not know.
  private ajv = new Ajv({ strict: false, allErrors: true, coerceTypes: false, validateFormats: false })
  // MCP 2025-11-25 makes 2020-12 the default dialect; draft-07 (ajv's default) still covers most schemas.
  private ajv2020?: Ajv2020

  compile(schema: JsonSchema): ValidateFunction {
    if (typeof schema.$schema === 'string' && schema.$schema.includes('2020-12')) {
      this.ajv2020 ??= new Ajv2020({ strict: false, allErrors: true, coerceTypes: false, validateFormats: false })
      return this.ajv2020.compile(schema)
    }
    return this.ajv.compile(schema)
  }
}
