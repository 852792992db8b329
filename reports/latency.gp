# Latency histogram per phase. `mtlsprobe report` writes the data and a
# driver that sets the terminal, the output and `data` before loading this.
# Columns: bin_low_ms bin_high_ms connect% handshake% ttfb% total%, one row
# per logarithmic bin (20 per decade); NaN where a phase has no samples.
# Thresholds: dashed lines (arrows set in `extra`) and labels from `marks`
# (x y label colour right; right 1: the label ends at its line).
reset
set title 'Latency distribution by phase'
set xlabel 'latency (ms, log scale)'
set ylabel '% of samples'
set logscale x
set format x '%g'
set yrange [0:*]
set grid xtics ytics mxtics lc rgb '#dddddd'
set key outside bottom center horizontal
set border 3
set xtics nomirror
set ytics nomirror
# `mtlsprobe report` may add settings of its own (threshold lines, which
# phases have samples) in the file named by `extra`.
marked = 0
partial = 0
has_connect = 1
has_handshake = 1
has_ttfb = 1
has_total = 1
if (exists("extra") && strlen(extra) > 0) { load extra }
# Only the phases with samples are drawn and named in the key (handshake mode
# has no first byte). Total goes first, thinner and dashed, so a phase that
# is almost all of it (the handshake, in handshake mode) stays visible on top.
cmd = ''
if (has_total) { cmd = cmd . ", data using (sqrt($1*$2)):6 with linespoints lw 1.5 dt 2 pt 7 ps 0.3 lc rgb '#6a1b9a' title 'total'" }
if (has_connect) { cmd = cmd . ", data using (sqrt($1*$2)):3 with linespoints lw 2 pt 7 ps 0.4 lc rgb '#1565c0' title 'connect'" }
if (has_handshake) { cmd = cmd . ", data using (sqrt($1*$2)):4 with linespoints lw 2.5 pt 7 ps 0.4 lc rgb '#2e7d32' title 'handshake'" }
if (has_ttfb) { cmd = cmd . ", data using (sqrt($1*$2)):5 with linespoints lw 2 pt 7 ps 0.4 lc rgb '#ef6c00' title 'first byte'" }
if (marked > 0) {
  cmd = cmd . ", marks using 1:($5 == 0 ? $2 : NaN):3:4 with labels left offset 0.5,0 tc rgb variable notitle"
  cmd = cmd . ", marks using 1:($5 == 1 ? $2 : NaN):3:4 with labels right offset -0.5,0 tc rgb variable notitle"
}
eval 'plot ' . cmd[3:strlen(cmd)]
