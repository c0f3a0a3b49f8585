// Saves onnxruntime's optimized graph at a level: node ort_optimize.js MODEL LEVEL OUT
// LEVEL is basic, extended or all (graphOptimizationLevel); CPU provider only.
const ort = require('onnxruntime-node');
const [model, level, out] = process.argv.slice(2);
ort.InferenceSession.create(model, {
	graphOptimizationLevel: level,
	optimizedModelFilePath: out,
	executionProviders: ['cpu'],
}).catch((e) => { console.error(String(e)); process.exit(1); });
