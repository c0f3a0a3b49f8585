// ort_run.js — runs an ONNX model with onnxruntime-node on the CPU, for
// tests/bench/bench_interp.sh and the PaddleOCR agreement test: nex's
// interpreter is measured and checked against it.
//
//   node ort_run.js MODEL [--input NAME=FILE.npy]... [--outputs DIR]
//                   [--repeat N] [--threads N] [--opt LEVEL]
//
// --opt sets onnxruntime's graphOptimizationLevel (disabled, basic,
// extended, all; default all).
// Inputs are .npy files (float32, int32, int64 or uint8, C order) as `nex run
// --save-inputs` writes them. Outputs go to DIR/output_K.npy in the model's
// output order. With --repeat N it runs once to warm up, then N timed runs,
// and prints "ort median_ms=<ms> runs=<N>" (session.run wall time in process).
// Needs onnxruntime-node on NODE_PATH or in a node_modules above this file.
'use strict';
const fs = require('fs');
const path = require('path');
const ort = require('onnxruntime-node');

const NPY_TYPES = {
	'<f4': ['float32', Float32Array], '<i4': ['int32', Int32Array],
	'<i8': ['int64', BigInt64Array], '|u1': ['uint8', Uint8Array],
	'|i1': ['int8', Int8Array], '|b1': ['bool', Uint8Array],
};

function readNpy(file) {
	const buf = fs.readFileSync(file);
	if (buf.toString('latin1', 0, 6) !== '\x93NUMPY')
		throw new Error(`${file}: not a .npy file`);
	const major = buf[6];
	const hlen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
	const hstart = major === 1 ? 10 : 12;
	const header = buf.toString('latin1', hstart, hstart + hlen);
	const descr = /'descr':\s*'([^']+)'/.exec(header)[1];
	if (/'fortran_order':\s*True/.test(header))
		throw new Error(`${file}: Fortran order is not supported`);
	const shape = /'shape':\s*\(([^)]*)\)/.exec(header)[1]
		.split(',').map(s => s.trim()).filter(s => s.length).map(Number);
	const t = NPY_TYPES[descr];
	if (!t)
		throw new Error(`${file}: dtype ${descr} is not supported`);
	const off = hstart + hlen;
	const bytes = buf.buffer.slice(buf.byteOffset + off, buf.byteOffset + buf.length);
	let data = new t[1](bytes);
	if (t[0] === 'bool')
		data = Array.from(data, v => v !== 0);
	return new ort.Tensor(t[0], data, shape);
}

function writeNpy(file, tensor) {
	const descr = { float32: '<f4', int32: '<i4', int64: '<i8', uint8: '|u1',
			int8: '|i1', bool: '|b1' }[tensor.type];
	if (!descr)
		throw new Error(`output type ${tensor.type} is not supported`);
	const dims = tensor.dims.map(String);
	const shape = dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(', ')})`;
	let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
	const total = 10 + header.length + 1;
	header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
	const head = Buffer.alloc(10);
	head.write('\x93NUMPY', 0, 'latin1');
	head[6] = 1;
	head[7] = 0;
	head.writeUInt16LE(header.length, 8);
	let data = tensor.data;
	if (tensor.type === 'bool')
		data = Uint8Array.from(data, v => (v ? 1 : 0));
	const body = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
	fs.writeFileSync(file, Buffer.concat([head, Buffer.from(header, 'latin1'), body]));
}

async function main() {
	const argv = process.argv.slice(2);
	let model = null, outdir = null, repeat = 0, threads = 0, level = null;
	const inputs = {};
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i];
		if (a === '--input') {
			const [name, file] = argv[++i].split('=');
			inputs[name] = readNpy(file);
		} else if (a === '--outputs') {
			outdir = argv[++i];
		} else if (a === '--repeat') {
			repeat = Number(argv[++i]);
		} else if (a === '--threads') {
			threads = Number(argv[++i]);
		} else if (a === '--opt') {
			level = argv[++i]; // disabled, basic, extended, all
		} else if (!model) {
			model = a;
		} else {
			throw new Error(`unexpected argument ${a}`);
		}
	}
	if (!model)
		throw new Error('usage: node ort_run.js MODEL [--input NAME=FILE.npy]... ' +
				'[--outputs DIR] [--repeat N] [--threads N] [--opt LEVEL]');
	const opts = { executionProviders: ['cpu'] };
	if (threads > 0)
		opts.intraOpNumThreads = threads;
	if (level)
		opts.graphOptimizationLevel = level;
	const session = await ort.InferenceSession.create(model, opts);
	for (const name of session.inputNames)
		if (!inputs[name])
			throw new Error(`no --input for model input ${name}`);
	let out = await session.run(inputs);
	if (repeat > 0) {
		const times = [];
		for (let r = 0; r < repeat; r++) {
			const t0 = process.hrtime.bigint();
			out = await session.run(inputs);
			times.push(Number(process.hrtime.bigint() - t0) / 1e6);
		}
		times.sort((a, b) => a - b);
		console.log(`ort median_ms=${times[Math.floor(times.length / 2)].toFixed(2)} runs=${repeat}`);
	}
	if (outdir) {
		fs.mkdirSync(outdir, { recursive: true });
		session.outputNames.forEach((name, k) =>
			writeNpy(path.join(outdir, `output_${k}.npy`), out[name]));
	}
}

main().catch(e => {
	console.error(`ort_run: ${e.message}`);
	process.exit(1);
});
