#!/usr/bin/env node
// An Aura Host plugin in Node.js, written from sdk/PROTOCOL.md and the .proto
// files alone: go-plugin's handshake, the Plugin service over gRPC (Describe,
// Configure, unary Invoke and the multiplexed InvokeStream), grpc.health.v1,
// go-plugin's controller, broker and stdio services. See README.md.
//
// It serves the "node" family:
//
//   node.echo(value any) -> any              the value, unchanged (deep values round-trip)
//   node.nest(levels uint, leaf any?) -> any leaf wrapped in `levels` maps {"v": ...}
//   node.greet(name string) -> string        "<greeting>, <name>!" (name "" is "world")
//   node.add(by int?) -> int                 adds `by` (default 1) to a counter, returns it
//   node.count() -> int                      the counter
//   node.sleep(ms uint) -> null              waits; honours the deadline and cancel
//
// and one config attribute, greeting (string, default "Hello").
'use strict';

const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

// §1.2, §1.3: the magic cookie.
const COOKIE_KEY = 'AURA_HOST_PLUGIN';
const COOKIE_VALUE = '6b1f0c2e9d4a4e7f8c3b5a1d2e9f0a7c';
// §1.4: the app-protocol versions this plugin implements.
const PROTOCOL_VERSIONS = [1];
// §4: effects.MaxDepth. The arguments map and a result are at depth 0.
const MAX_DEPTH = 30;
// §5.7: message limits, and how much a ResultFrame batches.
const MAX_MESSAGE_BYTES = 64 << 20;
const FRAME_BYTES = 4 << 20;
const MAX_BATCH = 128;

const OP_ID = /^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$/;

// AURA_NODE_EXAMPLE_BREAK breaks the plugin on purpose, one way, so that
// the host's tests (and a conformance check) can show what they catch. A
// real plugin has no such switch. Unset: the plugin is correct.
//
//   handshake      prints a banner on stdout before the handshake line
//   call-id        answers every call with its call_id + 1
//   wrong-kind     node.greet answers an int where it declares a string
//   ignore-cancel  ignores the cancel entries of InvokeStream
const BREAK = process.env.AURA_NODE_EXAMPLE_BREAK || '';
const BREAKS = ['', 'handshake', 'call-id', 'wrong-kind', 'ignore-cancel'];

// ---------------------------------------------------------------------------
// Logging (§1.6): go-hclog JSON lines on stderr; stdout carries only the
// handshake.

const LEVELS = { trace: 0, debug: 1, info: 2, warn: 3, error: 4, off: 5 };
const logLevel = LEVELS[(process.env.AURA_PLUGIN_LOG_LEVEL || 'info').toLowerCase()] ?? LEVELS.info;

function log(level, message, fields = {}) {
  if (LEVELS[level] < logLevel) {
    return;
  }
  // hclog's layout: six fractional digits, then Z.
  const ts = new Date().toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
  const line = { '@level': level, '@message': String(message), '@module': 'node-example', '@timestamp': ts };
  for (const [k, v] of Object.entries(fields)) {
    line[k] = typeof v === 'bigint' ? v.toString() : v;
  }
  process.stderr.write(JSON.stringify(line) + '\n');
}

// ---------------------------------------------------------------------------
// The protocol files, loaded at run time. plugin.proto is read from the
// repository (its one source of truth); go-plugin's three protos and the
// standard health.proto are copies under proto/ (PROTOCOL.md §2 says to copy
// them).

const PLUGIN_PROTO = process.env.AURA_PLUGIN_PROTO ||
  path.join(__dirname, '..', '..', 'sdk', 'internal', 'proto', 'aura', 'plugin', 'v1', 'plugin.proto');

const loadOptions = {
  keepCase: true, // field names as in the .proto: call_id, timeout_nanos
  longs: String, // 64-bit integers as decimal strings: nothing is rounded
  enums: String,
  bytes: Buffer,
  defaults: false,
  arrays: true, // an empty repeated field is [] rather than absent
  oneofs: true, // value.kind names the field of the oneof that is set
  includeDirs: [path.join(__dirname, 'proto')],
};

function loadProtocol() {
  const def = protoLoader.loadSync([
    PLUGIN_PROTO,
    path.join(__dirname, 'proto', 'go-plugin', 'grpc_controller.proto'),
    path.join(__dirname, 'proto', 'go-plugin', 'grpc_broker.proto'),
    path.join(__dirname, 'proto', 'go-plugin', 'grpc_stdio.proto'),
    path.join(__dirname, 'proto', 'grpc', 'health', 'v1', 'health.proto'),
  ], loadOptions);
  return { def, pkg: grpc.loadPackageDefinition(def) };
}

// ---------------------------------------------------------------------------
// Errors (§6). A failure of a call travels in Result.error, never as a gRPC
// status.

class CallError extends Error {
  constructor(code, message, retryable = false) {
    super(message);
    this.code = code;
    this.retryable = retryable;
  }
}

const fail = (code, message, retryable = false) => { throw new CallError(code, message, retryable); };

// ---------------------------------------------------------------------------
// Values (§4), in their wire form as proto-loader gives them: an object with
// `kind` naming the field set ('null', 'bool', 'int', 'uint', 'string',
// 'bytes', 'list', 'map') or no kind at all (null).

const V = {
  null: () => ({ null: 'NULL_VALUE' }),
  int: (n) => ({ int: BigInt(n).toString() }),
  string: (s) => ({ string: s }),
  map: (fields) => ({ map: { entries: Object.keys(fields).sort(compareKeys).map((key) => ({ key, value: fields[key] })) } }),
};

const kindOf = (v) => (v == null || v.kind == null ? 'null' : v.kind);

// compareKeys orders map keys byte-wise by their UTF-8 bytes (§4), which
// JavaScript's default string order (UTF-16 code units) does not.
function compareKeys(a, b) {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

// checkValue throws invalid_args unless v is well formed: map keys sorted
// byte-wise and unique, nesting no deeper than MAX_DEPTH (v is at depth).
// Iterative, so a hostile value cannot exhaust the stack. (Strings that were
// not UTF-8 on the wire have already been replaced by protobufjs's decoder
// with U+FFFD; this plugin cannot see the original bytes.)
function checkValue(v, depth, what) {
  const stack = [[v, depth]];
  while (stack.length > 0) {
    const [x, d] = stack.pop();
    if (d > MAX_DEPTH) {
      fail('invalid_args', `${what} nests lists and maps deeper than ${MAX_DEPTH} levels (effects.MaxDepth)`);
    }
    switch (kindOf(x)) {
      case 'list':
        for (const it of x.list.items) {
          stack.push([it, d + 1]);
        }
        break;
      case 'map': {
        const entries = x.map.entries;
        for (let i = 0; i < entries.length; i++) {
          if (i > 0 && compareKeys(entries[i - 1].key, entries[i].key) >= 0) {
            fail('invalid_args', `${what}: map key ${JSON.stringify(entries[i].key)} is out of order or repeated (keys must be sorted byte-wise and unique)`);
          }
          stack.push([entries[i].value, d + 1]);
        }
        break;
      }
      default:
    }
  }
}

// ---------------------------------------------------------------------------
// The plugin: its declaration (Describe) and its state.

const KIND = { null: 'KIND_NULL', bool: 'KIND_BOOL', int: 'KIND_INT', uint: 'KIND_UINT', string: 'KIND_STRING', bytes: 'KIND_BYTES', list: 'KIND_LIST', map: 'KIND_MAP', any: 'KIND_ANY' };

const state = {
  configured: false,
  authority: Buffer.alloc(0),
  greeting: 'Hello',
  counter: 0n,
  brokerConns: new Map(), // service_id -> ConnInfo, announced on the broker stream (§7.3)
};

const operations = [
  {
    id: 'node.echo',
    doc: 'Returns value unchanged (any kind, nested up to the protocol\'s depth limit).',
    params: [{ name: 'value', kind: 'any', doc: 'the value to return' }],
    result: 'any',
    idempotent: true,
    determinism: 'DETERMINISM_PURE',
    handle: (args) => args.value,
  },
  {
    id: 'node.nest',
    doc: `Returns leaf (default null) wrapped in levels maps {"v": ...}; levels at most ${MAX_DEPTH}, so the deepest result the protocol allows can be asked for.`,
    params: [
      { name: 'levels', kind: 'uint', doc: `how many maps to wrap leaf in, 0 to ${MAX_DEPTH}` },
      { name: 'leaf', kind: 'any', optional: true, doc: 'the innermost value; a list or map counts its own levels' },
    ],
    result: 'any',
    idempotent: true,
    determinism: 'DETERMINISM_PURE',
    handle: (args) => {
      const levels = BigInt(args.levels.uint);
      let v = args.leaf === undefined ? V.null() : args.leaf;
      // The leaf ends up `levels` deeper than in the arguments, where it sat at depth 1.
      if (levels > BigInt(MAX_DEPTH)) {
        fail('invalid_args', `levels must be at most ${MAX_DEPTH} (effects.MaxDepth), got ${levels}`);
      }
      try {
        checkValue(v, Number(levels), 'the nested result');
      } catch (e) {
        fail('invalid_args', `leaf wrapped in ${levels} maps would nest deeper than ${MAX_DEPTH} levels`);
      }
      for (let i = 0n; i < levels; i++) {
        v = V.map({ v });
      }
      return v;
    },
  },
  {
    id: 'node.greet',
    doc: 'Greets name with the configured greeting: returns "<greeting>, <name>!" (string); an empty name greets the world.',
    params: [{ name: 'name', kind: 'string', doc: 'who to greet' }],
    result: 'string',
    idempotent: true,
    determinism: 'DETERMINISM_PURE',
    handle: (args) => {
      // Every argument's zero value is a valid call (a conformance check
      // calls each operation so): an empty name greets the world.
      const name = (args.name.string || '').trim() || 'world';
      if (BREAK === 'wrong-kind') {
        return V.int(name.length);
      }
      return V.string(`${state.greeting}, ${name}!`);
    },
  },
  {
    id: 'node.add',
    doc: 'Adds by (default 1) to this process\'s counter and returns the new count (int).',
    params: [{ name: 'by', kind: 'int', optional: true, doc: 'how much to add; default 1' }],
    result: 'int',
    determinism: 'DETERMINISM_WRITES_WORLD',
    handle: (args) => {
      const by = args.by === undefined ? 1n : BigInt(args.by.int);
      const next = state.counter + by;
      if (next > 0x7fffffffffffffffn || next < -0x8000000000000000n) {
        fail('conflict', 'the counter would overflow a signed 64-bit int');
      }
      state.counter = next;
      return V.int(next);
    },
  },
  {
    id: 'node.count',
    doc: 'Returns this process\'s counter (int).',
    params: [],
    result: 'int',
    idempotent: true,
    determinism: 'DETERMINISM_READS_WORLD',
    handle: () => V.int(state.counter),
  },
  {
    id: 'node.sleep',
    doc: 'Waits ms milliseconds, then returns null; ends early with timeout or cancelled when the call\'s deadline passes or it is cancelled.',
    params: [{ name: 'ms', kind: 'uint', doc: 'how long to wait, in milliseconds' }],
    result: 'null',
    idempotent: true,
    determinism: 'DETERMINISM_READS_WORLD',
    handle: (args, signal) => new Promise((resolve) => {
      // The dispatcher answers timeout or cancelled when signal aborts; this
      // only stops the timer.
      const ms = Number(BigInt(args.ms.uint) > 86400000n ? 86400000n : BigInt(args.ms.uint));
      const timer = setTimeout(() => resolve(V.null()), ms);
      signal.addEventListener('abort', () => { clearTimeout(timer); resolve(V.null()); }, { once: true });
    }),
  },
];

const opsById = new Map(operations.map((op) => [op.id, op]));

function describe() {
  return {
    name: 'node-example',
    version: '1.0.0',
    kind: 'PLUGIN_KIND_HANDLER',
    operations: operations.map((op) => ({
      id: op.id,
      doc: op.doc,
      params: op.params.map((p) => ({ name: p.name, kind: KIND[p.kind], optional: !!p.optional, doc: p.doc })),
      result: KIND[op.result],
      idempotent: !!op.idempotent,
      determinism: op.determinism,
    })),
    config: [{ name: 'greeting', kind: 'KIND_STRING', required: false, default: V.string('Hello'),
      doc: 'The word greet puts before the name, e.g. "Bonjour". Default "Hello".' }],
  };
}

// configure checks the config {} block (§7) and reports problems as
// diagnostics placed on the attribute.
function configure(req) {
  const diagnostics = [];
  const diag = (summary, detail, attributePath) =>
    diagnostics.push({ severity: 'SEVERITY_ERROR', summary, detail, attribute_path: attributePath });
  if (!req.mode || req.mode === 'MODE_UNSPECIFIED') {
    diag('no execution mode', 'Configure must name the mode: production, testing or simulation.', []);
  }
  const authority = req.authority || Buffer.alloc(0);
  if (authority.length !== 0 && authority.length !== 16) {
    diag('malformed authority', `the authority must be 16 bytes, got ${authority.length}`, []);
  }
  let greeting = 'Hello';
  const entries = (req.config && req.config.entries) || [];
  for (const e of entries) {
    if (e.key !== 'greeting') {
      diag(`unknown attribute ${JSON.stringify(e.key)}`, 'this plugin accepts only greeting (string).', [e.key]);
      continue;
    }
    const k = kindOf(e.value);
    if (k === 'null') {
      continue;
    }
    if (k !== 'string') {
      diag('greeting must be a string', `got a ${k}; write greeting = "Bonjour".`, ['greeting']);
      continue;
    }
    greeting = e.value.string;
  }
  if (greeting.trim() === '') {
    diag('empty greeting', 'greeting must contain a word, e.g. "Hello"; leave it out to use the default.', ['greeting']);
  }
  if (diagnostics.length === 0) {
    state.configured = true;
    state.authority = authority;
    state.greeting = greeting;
    log('debug', 'configured', { mode: req.mode, seed: req.seed, state_dir: req.state_dir, host_broker_id: req.host_broker_id });
  }
  return { diagnostics };
}

// ---------------------------------------------------------------------------
// Calls (§5.2): the checks in order, then the handler.

function checkId(bytes, what) {
  if (bytes && bytes.length !== 0 && bytes.length !== 16) {
    fail('invalid_args', `${what} must be empty or 16 bytes, got ${bytes.length}`);
  }
}

function hex(b) {
  return b.toString('hex');
}

// prepare runs the checks of §5.2 that precede the handler and returns the
// operation and its arguments by name.
function prepare(call) {
  // 1. Malformed call.
  if (typeof call.op !== 'string' || !OP_ID.test(call.op)) {
    fail('invalid_args', `malformed operation ID ${JSON.stringify(call.op)}: want family.operation in lower case`);
  }
  checkId(call.authority, 'authority');
  checkId(call.context, 'context');
  checkId(call.session, 'session');
  const entries = (call.args && call.args.entries) || [];
  checkValue({ kind: 'map', map: { entries } }, 0, 'arguments');
  // 2. Not configured.
  if (!state.configured) {
    fail('unavailable', 'plugin not configured yet', true);
  }
  // 3. Authority.
  if (call.authority && call.authority.length === 16 && state.authority.length === 16 && !call.authority.equals(state.authority)) {
    fail('denied', `context authority mismatch: plugin acts for authority-${hex(state.authority)}, call names authority-${hex(call.authority)}`);
  }
  // 4. Unknown operation.
  const op = opsById.get(call.op);
  if (!op) {
    fail('unknown_op', 'this plugin does not serve the operation');
  }
  // 5. Arguments against the schema. (No prototype: a key such as
  // "__proto__" or "toString" is only ever a declared parameter's name.)
  const args = Object.create(null);
  const list = () => op.params.length === 0 ? 'none' : op.params.map((p) => `${p.name} ${p.kind}${p.optional ? '?' : ''}`).join(', ');
  for (const e of entries) {
    const p = op.params.find((q) => q.name === e.key);
    if (!p) {
      fail('invalid_args', `unexpected argument ${JSON.stringify(e.key)} (parameters: ${list()})`);
    }
    const k = kindOf(e.value);
    if (p.kind !== 'any' && p.kind !== k) {
      fail('invalid_args', `argument ${JSON.stringify(e.key)} must be ${p.kind}, got ${k}`);
    }
    args[e.key] = e.value || V.null();
  }
  for (const p of op.params) {
    if (!p.optional && !(p.name in args)) {
      fail('invalid_args', `missing argument ${JSON.stringify(p.name)} (${p.kind})`);
    }
  }
  return { op, args };
}

// timeoutMs reads timeout_nanos (§5.3): 0 or negative is no deadline.
function timeoutMs(call) {
  const n = BigInt(call.timeout_nanos || '0');
  if (n <= 0n) {
    return null;
  }
  return Number((n + 999999n) / 1000000n);
}

// MAX_TIMER_MS is the longest delay setTimeout honours: a longer one fires
// at once (Node warns "TimeoutOverflowWarning"), and timeout_nanos may be
// up to 292 years.
const MAX_TIMER_MS = 2 ** 31 - 1;

// after runs fn once ms have passed, however long that is, and returns a
// function that stops it.
function after(ms, fn) {
  let timer;
  const arm = (left) => {
    timer = setTimeout(() => (left > MAX_TIMER_MS ? arm(left - MAX_TIMER_MS) : fn()), Math.min(left, MAX_TIMER_MS));
  };
  arm(ms);
  return () => clearTimeout(timer);
}

function errorResult(callId, err) {
  if (err instanceof CallError) {
    return { call_id: callId, error: { code: err.code, message: err.message, retryable: err.retryable } };
  }
  // A crash in a handler is internal and does not take the process down.
  log('error', 'handler failed', { error: String(err && err.stack ? err.stack : err) });
  return { call_id: callId, error: { code: 'internal', message: `handler failed: ${err && err.message ? err.message : err}`, retryable: false } };
}

// run answers one call: it runs the checks and the handler, and answers
// timeout when the deadline passes or cancelled when signal aborts —
// whichever comes first. done is called exactly once.
function run(call, signal, deadlineMs, done) {
  const callId = BREAK === 'call-id' ? (BigInt(call.call_id || '0') + 1n).toString() : (call.call_id || '0');
  let answered = false;
  let stopTimer = null;
  const answer = (result) => {
    if (answered) {
      return;
    }
    answered = true;
    if (stopTimer) {
      stopTimer();
    }
    done(result);
  };
  let prepared;
  try {
    prepared = prepare(call);
  } catch (err) {
    answer(errorResult(callId, err));
    return;
  }
  const local = new AbortController();
  const onAbort = () => {
    local.abort();
    answer(errorResult(callId, new CallError('cancelled', 'call cancelled')));
  };
  if (signal.aborted) {
    onAbort();
    return;
  }
  signal.addEventListener('abort', onAbort, { once: true });
  if (deadlineMs != null) {
    stopTimer = after(deadlineMs, () => {
      local.abort();
      answer(errorResult(callId, new CallError('timeout', 'deadline exceeded')));
    });
  }
  Promise.resolve()
    .then(() => prepared.op.handle(prepared.args, local.signal))
    .then((value) => {
      if (local.signal.aborted) {
        return; // already answered timeout or cancelled
      }
      answer({ call_id: callId, value: value == null ? V.null() : value });
    }, (err) => answer(errorResult(callId, err)))
    .finally(() => signal.removeEventListener('abort', onAbort));
}

// ---------------------------------------------------------------------------
// The Plugin service.

function pluginService(def) {
  const frameBytes = (frame) => def['aura.plugin.v1.Plugin'].InvokeStream.responseSerialize(frame).length;
  return {
    Describe: (_call, callback) => callback(null, describe()),

    Configure: (call, callback) => callback(null, configure(call.request)),

    // Unary Invoke (§5.4): the call's timeout_nanos and the gRPC deadline
    // both apply.
    Invoke: (call, callback) => {
      const ac = new AbortController();
      call.on('cancelled', () => ac.abort());
      let ms = timeoutMs(call.request);
      const dl = call.getDeadline();
      if (dl instanceof Date || (typeof dl === 'number' && Number.isFinite(dl))) {
        const left = Math.max(0, Number(dl) - Date.now());
        ms = ms == null ? left : Math.min(ms, left);
      }
      run(call.request, ac.signal, ms, (result) => {
        if (frameBytes({ results: [result] }) > MAX_MESSAGE_BYTES) {
          result = { call_id: result.call_id, error: { code: 'internal', message: 'result too large to send', retryable: false } };
        }
        callback(null, result);
      });
    },

    // InvokeStream (§5.5, §5.6): calls run concurrently, each answered
    // exactly once in any order; cancel entries abort calls in flight; a
    // half-close finishes the calls in flight and ends the stream OK; a
    // broken stream aborts them all.
    InvokeStream: (stream) => {
      const inFlight = new Map(); // call_id -> AbortController
      let pending = []; // results waiting for the next frame
      let flushing = false;
      let halfClosed = false;
      let broken = false;

      const finishIfDone = () => {
        if (halfClosed && !broken && inFlight.size === 0 && pending.length === 0) {
          stream.end();
        }
      };
      const flush = () => {
        flushing = false;
        while (pending.length > 0 && !broken) {
          const frame = { results: [] };
          let bytes = 0;
          while (pending.length > 0 && frame.results.length < MAX_BATCH) {
            let r = pending[0];
            let size = frameBytes({ results: [r] });
            if (size > MAX_MESSAGE_BYTES) {
              r = { call_id: r.call_id, error: { code: 'internal', message: `result of ${size} bytes is larger than a message may be (${MAX_MESSAGE_BYTES})`, retryable: false } };
              size = frameBytes({ results: [r] });
            }
            if (frame.results.length > 0 && bytes + size > FRAME_BYTES) {
              break;
            }
            pending.shift();
            frame.results.push(r);
            bytes += size;
          }
          stream.write(frame);
        }
        finishIfDone();
      };
      const send = (result) => {
        pending.push(result);
        if (!flushing) {
          flushing = true;
          setImmediate(flush);
        }
      };

      stream.on('data', (frame) => {
        for (const call of frame.calls || []) {
          const id = call.call_id || '0';
          if (inFlight.has(id)) {
            send({ call_id: id, error: { code: 'invalid_args', message: `call id ${id} is already in flight on this stream`, retryable: false } });
            continue;
          }
          const ac = new AbortController();
          inFlight.set(id, ac);
          // The deadline counts from now, when the call is read.
          run(call, ac.signal, timeoutMs(call), (result) => {
            if (inFlight.get(id) === ac) {
              inFlight.delete(id);
            }
            send(result);
          });
        }
        for (const id of BREAK === 'ignore-cancel' ? [] : frame.cancel || []) {
          const ac = inFlight.get(id);
          if (ac) {
            ac.abort(); // still answered: run answers cancelled
          }
        }
      });
      stream.on('end', () => {
        halfClosed = true;
        finishIfDone();
      });
      const breakAll = () => {
        if (broken) {
          return;
        }
        broken = true;
        for (const ac of inFlight.values()) {
          ac.abort();
        }
        inFlight.clear();
        pending = [];
      };
      stream.on('cancelled', breakAll);
      stream.on('error', breakAll);
      stream.on('close', () => {
        if (!halfClosed) {
          breakAll();
        }
      });
    },
  };
}

// ---------------------------------------------------------------------------
// The services go-plugin expects (§2).

function healthService() {
  const status = (service) => (service === 'plugin' || service === '' ? 'SERVING' : null);
  return {
    Check: (call, callback) => {
      const s = status(call.request.service || '');
      if (!s) {
        callback({ code: grpc.status.NOT_FOUND, details: `unknown service ${JSON.stringify(call.request.service)}` });
        return;
      }
      callback(null, { status: s });
    },
    Watch: (call) => {
      call.write({ status: status(call.request.service || '') || 'SERVICE_UNKNOWN' });
      openStreams.add(call);
      call.on('cancelled', () => openStreams.delete(call));
    },
  };
}

// openStreams are the long-lived server streams (broker, stdio, health
// watch) ended at shutdown so that the server can stop.
const openStreams = new Set();

function brokerService() {
  return {
    StartStream: (stream) => {
      openStreams.add(stream);
      stream.on('data', (info) => {
        // Where the host serves the Host service for Configure's
        // host_broker_id (§7.3); this plugin makes no callbacks, but keeps
        // the address as a plugin that does would.
        if (!info.knock) {
          state.brokerConns.set(String(info.service_id), info);
        }
      });
      stream.on('end', () => { openStreams.delete(stream); stream.end(); });
      stream.on('error', () => openStreams.delete(stream));
    },
  };
}

function stdioService() {
  return {
    // The host discards what arrives: stream nothing, keep it open.
    StreamStdio: (stream) => {
      openStreams.add(stream);
      stream.on('cancelled', () => openStreams.delete(stream));
    },
  };
}

// ---------------------------------------------------------------------------
// Start-up: cookie, version, socket, serve, handshake line.

function main() {
  if (process.env[COOKIE_KEY] !== COOKIE_VALUE) {
    process.stderr.write('This binary is a plugin. These are not meant to be executed directly.\n' +
      'Please execute the program that consumes these plugins, which will\n' +
      'load any plugins automatically\n');
    process.exit(1);
  }
  if (!BREAKS.includes(BREAK)) {
    log('error', `AURA_NODE_EXAMPLE_BREAK=${BREAK} is not one of: ${BREAKS.filter((b) => b).join(', ')}; unset it for a correct plugin`);
    process.exit(2);
  }
  const offered = (process.env.PLUGIN_PROTOCOL_VERSIONS || '').split(',').map((s) => Number(s.trim()));
  const version = Math.max(...PROTOCOL_VERSIONS.filter((v) => offered.includes(v)), 0) || Math.min(...PROTOCOL_VERSIONS);

  // §1.1: the host decides when the plugin stops; exit when it is gone.
  process.on('SIGINT', () => {});
  // Node caches process.ppid, so read the parent from /proc (Linux); where
  // there is none, probe the host's PID (AURA_HOST_PID) with signal 0.
  const parentNow = () => {
    try {
      const stat = fs.readFileSync('/proc/self/stat', 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    } catch {
      return null;
    }
  };
  // The host names itself (§1.2): a plugin started after its host died has
  // been re-parented already, and exits at the first check.
  const parent = Number(process.env.AURA_HOST_PID || '') || parentNow() || process.ppid;
  setInterval(() => {
    const now = parentNow();
    let gone = now != null && now !== parent;
    if (now == null) {
      try {
        process.kill(parent, 0);
      } catch (e) {
        gone = e.code === 'ESRCH';
      }
    }
    if (gone) {
      log('warn', 'the host is gone; exiting', { parent_pid: parent });
      process.exit(3);
    }
  }, 250).unref();

  const { def, pkg } = loadProtocol();
  const server = new grpc.Server({
    'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
    'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
  });
  server.addService(pkg.aura.plugin.v1.Plugin.service, pluginService(def));
  server.addService(pkg.grpc.health.v1.Health.service, healthService());
  server.addService(pkg.plugin.GRPCBroker.service, brokerService());
  server.addService(pkg.plugin.GRPCStdio.service, stdioService());

  let socketPath = null;
  let stopping = false;
  const stop = (code) => {
    if (stopping) {
      return;
    }
    stopping = true;
    for (const s of openStreams) {
      s.end();
    }
    server.tryShutdown(() => process.exit(code));
    // A client that keeps a stream open must not keep the process: the
    // host kills the group ~2 s after Shutdown anyway.
    setTimeout(() => process.exit(code), 1000).unref();
  };
  process.on('exit', () => {
    if (socketPath) {
      try { fs.unlinkSync(socketPath); } catch { /* already gone */ }
    }
  });
  process.on('SIGTERM', () => stop(0));

  server.addService(pkg.plugin.GRPCController.service, {
    // §2: answer, then exit 0.
    Shutdown: (_call, callback) => {
      callback(null, {});
      log('debug', 'shutdown requested by the host');
      setImmediate(() => stop(0));
    },
  });

  // §1.5: exactly one line, first on stdout, once listening.
  const handshake = (network, addr) => {
    if (BREAK === 'handshake') {
      process.stdout.write('node-example 1.0.0 starting\n');
    }
    process.stdout.write(`1|${version}|${network}|${addr}|grpc|\n`);
    log('debug', 'serving', { network, address: addr });
  };
  const dir = process.env.PLUGIN_UNIX_SOCKET_DIR;
  if (dir) {
    socketPath = path.join(dir, 'plugin' + crypto.randomBytes(6).toString('hex'));
    server.bindAsync('unix://' + socketPath, grpc.ServerCredentials.createInsecure(), (err) => {
      if (err) {
        log('error', 'cannot listen on the socket', { path: socketPath, error: err.message });
        process.exit(1);
      }
      handshake('unix', socketPath);
    });
    return;
  }
  // §1.4: TCP on 127.0.0.1, the first free port of the range, only when the
  // host gave no socket directory.
  const max = Number(process.env.PLUGIN_MAX_PORT || '25000');
  const tryPort = (port) => {
    if (port > max) {
      log('error', 'no free TCP port in PLUGIN_MIN_PORT..PLUGIN_MAX_PORT');
      process.exit(1);
    }
    server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err, bound) => {
      if (err) {
        tryPort(port + 1);
        return;
      }
      handshake('tcp', `127.0.0.1:${bound}`);
    });
  };
  tryPort(Number(process.env.PLUGIN_MIN_PORT || '10000'));
}

main();
