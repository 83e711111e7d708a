import { describe, expect, test } from 'bun:test'
import { geminiTools, openaiTools, ToolNameMap, vendorToolName } from '../../src/providers/tool-schema'

describe('tool names for vendors', () => {
  test('safe names pass unchanged; unsafe and long ones are shortened deterministically and map back', () => {
    expect(vendorToolName('home_set_state')).toBe('home_set_state')
    const long = 'github_' + 'x'.repeat(80)
    const dotted = 'home.set-state/v2'
    const map = new ToolNameMap([long, dotted])
    for (const n of [long, dotted, '9lives']) {
      const v = map.toVendor(n)
      expect(v).toMatch(/^[a-zA-Z_][a-zA-Z0-9_-]{0,63}$/)
      expect(map.fromVendor(v)).toBe(n)
      expect(vendorToolName(n)).toBe(v)
    }
    // Two names that sanitise alike still differ.
    expect(vendorToolName('a.b')).not.toBe(vendorToolName('a/b'))
  })

  test('openai tools always have an object schema without $schema', () => {
    const [t] = openaiTools([{ name: 'x', description: 'd', inputSchema: { $schema: 's' } }], new ToolNameMap())
    expect(t).toEqual({ type: 'function', function: { name: 'x', description: 'd', parameters: { type: 'object', properties: {} } } })
  })

  test('gemini schemas: $ref inlined, const/enum as strings, oneOf as anyOf, unknown keys dropped', () => {
    const [t] = geminiTools(
      [
        {
          name: 'f',
          description: 'd',
          inputSchema: {
            type: 'object',
            $defs: { Color: { type: 'string', enum: ['red', 'blue'] } },
            properties: {
              color: { $ref: '#/$defs/Color', description: 'the colour' },
              mode: { const: 'fast' },
              level: { enum: [1, 2, null] },
              target: { oneOf: [{ type: 'string' }, { type: 'number' }] },
              maybe: { anyOf: [{ type: 'string', format: 'email' }, { type: 'null' }] },
              list: { type: 'array', items: { type: 'object', properties: { a: { type: 'boolean', examples: [true] } }, additionalProperties: true } },
            },
            required: ['color', 'ghost'],
          },
        },
      ],
      new ToolNameMap(),
    )
    expect(t!.parameters).toEqual({
      type: 'OBJECT',
      properties: {
        color: { type: 'STRING', enum: ['red', 'blue'], description: 'the colour' },
        mode: { type: 'STRING', enum: ['fast'] },
        level: { type: 'STRING', enum: ['1', '2'], nullable: true },
        target: { anyOf: [{ type: 'STRING' }, { type: 'NUMBER' }] },
        maybe: { type: 'STRING', nullable: true },
        list: { type: 'ARRAY', items: { type: 'OBJECT', properties: { a: { type: 'BOOLEAN' } } } },
      },
      required: ['color'],
    })
  })
})
