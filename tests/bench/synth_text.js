// synth_text.js — writes a synthetic "page" for the PaddleOCR models as a
// float32 .npy in NCHW: dark glyph-like blocks in lines on a light
// background, normalized as PaddleOCR does ((x/255 - 0.5) / 0.5). Random
// noise makes the detector answer ~0 everywhere, which no comparison can
// tell apart; text-like input gives probabilities across [0, 1].
//
//   node synth_text.js OUT.npy N,C,H,W [SEED]
'use strict';
const fs = require('fs');

const [out, shapeArg, seedArg] = process.argv.slice(2);
if (!out || !shapeArg) {
	console.error('usage: node synth_text.js OUT.npy N,C,H,W [SEED]');
	process.exit(1);
}
const [n, c, h, w] = shapeArg.split(',').map(Number);
let s = (Number(seedArg) || 1) >>> 0;
function rnd() { // xorshift32
	s ^= s << 13; s >>>= 0;
	s ^= s >>> 17;
	s ^= s << 5; s >>>= 0;
	return s / 4294967296;
}
const img = new Float32Array(n * c * h * w).fill(0.9);
const line = Math.max(8, Math.floor(h / 12));
for (let b = 0; b < n; b++)
	for (let y0 = line; y0 + line <= h - line / 2; y0 += 2 * line) {
		const gh = Math.floor(line * 0.8);
		for (let x = Math.floor(w * 0.05 * (1 + rnd())); x < w * 0.95;) {
			const gw = Math.max(2, Math.floor(gh * (0.4 + 0.6 * rnd())));
			if (rnd() < 0.15) { // a space between words
				x += gw;
				continue;
			}
			const ink = 0.05 + 0.2 * rnd();
			for (let yy = y0; yy < y0 + gh && yy < h; yy++)
				for (let xx = x; xx < x + gw && xx < w; xx++)
					if (rnd() < 0.7) // strokes, not solid blocks
						for (let ch = 0; ch < c; ch++)
							img[((b * c + ch) * h + yy) * w + xx] = ink;
			x += gw + Math.max(1, Math.floor(gw / 4));
		}
	}
for (let i = 0; i < img.length; i++)
	img[i] = (img[i] - 0.5) / 0.5;

let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${n}, ${c}, ${h}, ${w}), }`;
header += ' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64) + '\n';
const head = Buffer.alloc(10);
head.write('\x93NUMPY', 0, 'latin1');
head[6] = 1;
head.writeUInt16LE(header.length, 8);
fs.writeFileSync(out, Buffer.concat([head, Buffer.from(header, 'latin1'),
				     Buffer.from(img.buffer)]));
