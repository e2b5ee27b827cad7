// Shared helper for the node generators: writes .golden vector files
// (same format as tests/golden/golden_common.py, see tests/golden/README.md).
'use strict'
const fs = require('fs')
const path = require('path')

const VECTOR_DIR = path.join(__dirname, '..', 'vectors')

class Uuid {
  constructor (buf) {
    if (buf.length !== 16) throw new Error('uuid must be 16 bytes')
    this.buf = buf
  }

  // The 8-4-4-4-12 text form clients take.
  dashed () {
    return this.buf.toString('hex').replace(/(.{8})(.{4})(.{4})(.{4})(.{12})/, '$1-$2-$3-$4-$5')
  }
}

function fmtValue (v) {
  if (v === null || v === undefined) return 'null'
  if (typeof v === 'boolean') return v ? 'true' : 'false'
  if (typeof v === 'number' || typeof v === 'bigint') return String(v)
  if (v instanceof Uuid) return v.buf.toString('hex')
  if (Buffer.isBuffer(v)) return 'hex:' + v.toString('hex')
  if (typeof v === 'string') {
    if (v.includes('\n') || v.startsWith(' ')) throw new Error('bad string ' + v)
    return v
  }
  throw new Error('unsupported expect value ' + v)
}

// Nested plain data -> [[path, value], ...]; arrays become name[i].
function flatten (prefix, value, out = []) {
  if (Array.isArray(value)) {
    value.forEach((v, i) => flatten(`${prefix}[${i}]`, v, out))
  } else if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value) && !(value instanceof Uuid)) {
    for (const [k, v] of Object.entries(value)) flatten(prefix ? `${prefix}.${k}` : k, v, out)
  } else {
    out.push([prefix, value])
  }
  return out
}

// trailing: how many bytes the source wrote after a complete body (omitted when none).
function writeGolden (name, { source, api, direction, version, trailing, frame, expects }) {
  const lines = [
    `source: ${source}`,
    `api: ${api}`,
    `direction: ${direction}`,
    `version: ${version}`,
    ...(trailing ? [`trailing: ${trailing}`] : []),
    `hex: ${Buffer.from(frame).toString('hex')}`
  ]
  const seen = new Set()
  for (const [p, v] of expects) {
    if (seen.has(p)) throw new Error(`duplicate expect ${p} in ${name}`)
    seen.add(p)
    lines.push(`expect: ${p} = ${fmtValue(v)}`)
  }
  fs.mkdirSync(VECTOR_DIR, { recursive: true })
  fs.writeFileSync(path.join(VECTOR_DIR, name + '.golden'), lines.join('\n') + '\n')
}

module.exports = { Uuid, flatten, writeGolden, VECTOR_DIR }
