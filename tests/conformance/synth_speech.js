// synth_speech.js — writes the inputs of a silero VAD step as .npy files in
// DIR: input.npy, float32 [1,N] (a voiced-sounding chunk: a 140 Hz pulse
// train through decaying harmonics plus a little noise, at 16 kHz),
// state.npy, float32 [2,1,128] (the LSTM state a previous chunk left, small
// values), and sr.npy, the int64 scalar SR (default 16000; for onnxruntime, which takes sr
// as an input; nex binds it with --const). Pure noise would leave the
// detector near 0 for any runtime; speech-like input drives the LSTM.
//
//   node synth_speech.js DIR N [SEED [SR]]
'use strict';
const fs = require('fs');
const path = require('path');

const [dir, nArg, seedArg, srArg] = process.argv.slice(2);
const sr = Number(srArg) || 16000;
if (!dir || !nArg) {
	console.error('usage: node synth_speech.js DIR N [SEED [SR]]');
	process.exit(1);
}
const n = Number(nArg);
let s = (Number(seedArg) || 1) >>> 0;
function rnd() { // xorshift32, in [-1, 1)
	s ^= s << 13; s >>>= 0;
	s ^= s >>> 17;
	s ^= s << 5; s >>>= 0;
	return s / 2147483648 - 1;
}
function npy(file, descr, shape, bytes) {
	const sh = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
	let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${sh}, }`;
	header += ' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64) + '\n';
	const head = Buffer.alloc(10);
	head.write('\x93NUMPY', 0, 'latin1');
	head[6] = 1;
	head[7] = 0;
	head.writeUInt16LE(header.length, 8);
	fs.writeFileSync(path.join(dir, file),
		Buffer.concat([head, Buffer.from(header, 'latin1'), Buffer.from(bytes)]));
}
const f0 = 140 * (1 + 0.1 * rnd());
const x = new Float32Array(n);
for (let i = 0; i < n; i++) {
	const t = i / sr;
	let v = 0;
	for (let h = 1; h <= 12; h++)
		v += Math.sin(2 * Math.PI * f0 * h * t + h) * Math.exp(-0.25 * h);
	x[i] = 0.3 * v + 0.01 * rnd();
}
const st = new Float32Array(2 * 128);
for (let i = 0; i < st.length; i++)
	st[i] = 0.2 * rnd();
fs.mkdirSync(dir, { recursive: true });
npy('input.npy', '<f4', [1, n], x.buffer);
npy('state.npy', '<f4', [2, 1, 128], st.buffer);
npy('sr.npy', '<i8', [], new BigInt64Array([BigInt(sr)]).buffer);
