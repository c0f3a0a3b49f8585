/* target_presets.c — the targets compiled into nex: the Apple Neural Engine
 * generations a11 ... m4 as NE-MODEL.md §1-4 describes them from public
 * figures, and three SCALE-Sim-style 32x32 systolic arrays (one per
 * dataflow) that hold the model to SCALE-Sim v2's counts.
 *
 * Nothing here is Apple's real microarchitecture. The peak of each NE
 * generation is modelled as cores x MACs per core x clock: MACs per core
 * (256, a 16 x 16 array) is the figure of the patents eiln/ane cites, the
 * core count is public, and the clock is derived so that the product equals
 * the marketed peak. docs/ne-model.md lists every field with its source;
 * the tags in the comments below are NE-MODEL.md's: [Apple], [RE], [3P],
 * [derived], plus [assume] where no public figure exists and the value is
 * a documented choice.
 */
#include <stddef.h>
#include <string.h>

#include "nx.h"

/* Clock that makes cores x macs x 2 FLOP x clock equal the marketed peak
 * [derived]. */
#define CLOCK_FOR(peak_flops, cores, macs) ((peak_flops) / (2.0 * (cores) * (macs)))

/* The bits of cpu_ops for gather and opaque [hollance: gather and custom
 * layers run on the CPU]. The array is NX_OP_WORDS long (nx.h); a designator
 * per word keeps the initializer valid however many kinds the registry has.
 * The two kinds lie in different words today; should they ever share one,
 * the assert says to merge the designators (a repeated one would override). */
#define OPBIT(k, w) ((k) / 64 == (w) ? 1ull << ((k) % 64) : 0)
#define CPU_WORD(w) (OPBIT(NX_OP_GATHER, w) | OPBIT(NX_OP_OPAQUE, w))
_Static_assert(NX_OP_GATHER / 64 != NX_OP_OPAQUE / 64,
	       "gather and opaque share a cpu_ops word: write one designator for it");
#define NE_CPU_OPS {[NX_OP_GATHER / 64] = CPU_WORD(NX_OP_GATHER / 64), \
		    [NX_OP_OPAQUE / 64] = CPU_WORD(NX_OP_OPAQUE / 64)}

#define KIB 1024LL
#define MIB (1024LL * 1024LL)

/* Fields every NE generation shares: the array geometry [RE], buffers and
 * layout [RE anecc, Apple], field limits [RE ANETools, hollance], overheads
 * [3P, assume], CPU fallback [assume] and energy at a 5 nm-class node
 * (NE-MODEL.md §4 defaults). */
#define NE_COMMON(n_cores)                                                            \
	.cores = (n_cores), .macs_fp16 = 256, .array_cols = 16, .dataflow = NX_DF_WS,       \
	.vec_elems = 32, .kmem = 64 * KIB, .sram_bw = 16.0 * (n_cores),                   \
	.dram_share = 0.7, .task_overhead = 1000.0, .launch_overhead = 85.0,              \
	.align = 64, .buf_gran = 16 * KIB,                                                \
	.max_kernel = 31, .max_pad = 15, .max_groups = 8191, .max_hw = 32767,             \
	.max_c = 131071, .max_pool_kernel = 13, .max_pool_stride = 2, .max_upsample = 2,  \
	.max_rank = 4, .cpu_ops = NE_CPU_OPS,                                             \
	.cpu_flops = 100e9, .cpu_op_overhead = 5.0,                                       \
	.e_mac_fp16 = 0.7, .e_mac_int8 = 0.2, .e_sram = 0.5, .e_dram = 40.0,              \
	.e_cpu_flop = 2.0, .static_power = 0.1

/* Clocks [derived] from the marketed peaks of NE-MODEL.md §1. */
#define CLK_A11 CLOCK_FOR(0.6e12, 2, 256)   /* 0.6 TFLOPS fp16 [Apple] */
#define CLK_A12 CLOCK_FOR(5e12, 8, 256)     /* 5 TOPS [hollance] */
#define CLK_A14 CLOCK_FOR(11e12, 16, 256)   /* 11 TOPS, A14 = M1 [hollance] */
#define CLK_A15 CLOCK_FOR(15.8e12, 16, 256) /* 15.8 TFLOPS fp16, A15 = M2 [Apple] */
#define CLK_A16 CLOCK_FOR(17e12, 16, 256)   /* 17 TOPS [hollance] */
#define CLK_A17 CLOCK_FOR(35e12, 16, 512)   /* 35 TOPS int8, fp16 half [Apple, 3P] */
#define CLK_M4 CLOCK_FOR(38e12, 16, 512)    /* 38 TOPS int8 [Apple, 3P] */

/* DRAM of the whole SoC in GB/s: M1 68, M2 100, M4 120 [Apple specs]; the
 * phones from their memory type, 64-bit LPDDR4 at 3733 MT/s (A11), LPDDR4X at
 * 4266 (A12-A15), LPDDR5 at 6400 (A16, A17 Pro) [3P teardowns, assume]. The
 * field is bytes per cycle of the NE clock. */
#define BW(gbps, clk) ((gbps) * 1e9 / (clk))

static const nx_target presets[] = {
	{.name = "a11", NE_COMMON(2), .macs_int8 = 256, .clock = CLK_A11,
	 .sram = 2 * MIB, .dram_bw = BW(29.9, CLK_A11), .cpu_bw = 29.9e9},
	{.name = "a12", NE_COMMON(8), .macs_int8 = 256, .clock = CLK_A12,
	 .sram = 2 * MIB, .dram_bw = BW(34.1, CLK_A12), .cpu_bw = 34.1e9},
	{.name = "a14", NE_COMMON(16), .macs_int8 = 256, .clock = CLK_A14,
	 .sram = 2 * MIB, .dram_bw = BW(34.1, CLK_A14), .cpu_bw = 34.1e9},
	{.name = "m1", NE_COMMON(16), .macs_int8 = 256, .clock = CLK_A14,
	 .sram = 2 * MIB, .dram_bw = BW(68.0, CLK_A14), .cpu_bw = 68.0e9},
	{.name = "a15", NE_COMMON(16), .macs_int8 = 256, .clock = CLK_A15,
	 .sram = 4 * MIB, .dram_bw = BW(34.1, CLK_A15), .cpu_bw = 34.1e9},
	{.name = "m2", NE_COMMON(16), .macs_int8 = 256, .clock = CLK_A15,
	 .sram = 4 * MIB, .dram_bw = BW(100.0, CLK_A15), .cpu_bw = 100.0e9},
	{.name = "a16", NE_COMMON(16), .macs_int8 = 256, .clock = CLK_A16,
	 .sram = 4 * MIB, .dram_bw = BW(51.2, CLK_A16), .cpu_bw = 51.2e9},
	{.name = "a17pro", NE_COMMON(16), .macs_int8 = 512, .clock = CLK_A17,
	 .sram = 4 * MIB, .dram_bw = BW(51.2, CLK_A17), .cpu_bw = 51.2e9},
	{.name = "m4", NE_COMMON(16), .macs_int8 = 512, .clock = CLK_M4,
	 .sram = 4 * MIB, .dram_bw = BW(120.0, CLK_M4), .cpu_bw = 120.0e9},

	/* SCALE-Sim v2 (scalesim-project/scale-sim-v2): one 32x32 array, its
	 * default SRAM sizes (ifmap 6 MiB + filter 6 MiB + ofmap 2 MiB), no
	 * layout padding, no overheads, and bandwidths so large that memory
	 * never stalls the array, as in SCALE-Sim's compute report. The clock is
	 * 1 GHz so that a cycle reads as a nanosecond. */
#define SCALESIM(nm, df)                                                                \
	{.name = nm, .cores = 1, .macs_fp16 = 1024, .macs_int8 = 1024, .array_cols = 32,    \
	 .dataflow = df, .vec_elems = 32, .clock = 1e9, .sram = 14 * MIB, .kmem = 6 * MIB,  \
	 .sram_bw = 1e6, .dram_bw = 1e6, .dram_share = 1.0, .task_overhead = 0,            \
	 .launch_overhead = 0, .align = 1, .buf_gran = 1, .max_kernel = 1LL << 30,          \
	 .max_pad = 1LL << 30, .max_groups = 1LL << 30, .max_hw = 1LL << 30,                \
	 .max_c = 1LL << 30, .max_pool_kernel = 1LL << 30, .max_pool_stride = 1LL << 30,    \
	 .max_upsample = 1LL << 30, .max_rank = NX_MAX_RANK, .cpu_ops = NE_CPU_OPS,         \
	 .cpu_flops = 100e9, .cpu_bw = 68e9, .cpu_op_overhead = 0,                         \
	 .e_mac_fp16 = 0.7, .e_mac_int8 = 0.2, .e_sram = 0.5, .e_dram = 40.0,               \
	 .e_cpu_flop = 2.0, .static_power = 0.1}
	SCALESIM("scalesim-32x32-ws", NX_DF_WS),
	SCALESIM("scalesim-32x32-os", NX_DF_OS),
	SCALESIM("scalesim-32x32-is", NX_DF_IS),
#undef SCALESIM
};

static const struct {
	const char *name, *note;
} notes[] = {
	{"a11", "2 cores, 0.6 TFLOPS fp16 [Apple]; DRAM 29.9 GB/s (LPDDR4-3733) [3P]"},
	{"a12", "8 cores, 5 TOPS [hollance]; DRAM 34.1 GB/s (LPDDR4X-4266) [3P]"},
	{"a14", "16 cores, 11 TOPS [hollance], M1's engine; DRAM 34.1 GB/s [3P]"},
	{"m1", "16 cores, 11 TOPS, 2 MiB tile L2 [RE eiln]; DRAM 68 GB/s [Apple]"},
	{"a15", "16 cores, 15.8 TFLOPS fp16 [Apple]; DRAM 34.1 GB/s [3P]; 4 MiB L2 [RE, assume]"},
	{"m2", "A15's engine, 15.8 TFLOPS fp16 [Apple]; DRAM 100 GB/s [Apple]"},
	{"a16", "16 cores, 17 TOPS [hollance]; DRAM 51.2 GB/s (LPDDR5-6400) [3P]"},
	{"a17pro", "16 cores, 35 TOPS int8, fp16 half [Apple]; DRAM 51.2 GB/s [3P]"},
	{"m4", "16 cores, 38 TOPS int8, fp16 half [Apple, 3P 35.1/18.6]; DRAM 120 GB/s [Apple]"},
	{"scalesim-32x32-ws", "SCALE-Sim v2, 32x32 weight stationary, no stalls"},
	{"scalesim-32x32-os", "SCALE-Sim v2, 32x32 output stationary, no stalls"},
	{"scalesim-32x32-is", "SCALE-Sim v2, 32x32 input stationary, no stalls"},
};

size_t nx_target_preset_count(void)
{
	return sizeof presets / sizeof presets[0];
}

const nx_target *nx_target_preset_at(size_t i)
{
	return i < nx_target_preset_count() ? &presets[i] : NULL;
}

const char *nx_target_preset_note(const char *name)
{
	for (size_t i = 0; i < sizeof notes / sizeof notes[0]; i++)
		if (!strcmp(notes[i].name, name))
			return notes[i].note;
	return "";
}
