# Latency histogram per phase. `mtlsprobe report` writes the data and a
# driver that sets the terminal, the output and `data` before loading this.
# Columns: bin_low_ms bin_high_ms connect% handshake% ttfb% total%, one row
# per logarithmic bin (20 per decade); NaN where a phase has no samples.
reset
set title 'Latency distribution by phase'
set xlabel 'latency (ms, log scale)'
set ylabel '% of samples'
set logscale x
set format x '%g'
set yrange [0:*]
set grid xtics ytics mxtics lc rgb '#dddddd'
set key top right
set border 3
set xtics nomirror
set ytics nomirror
plot data using (sqrt($1*$2)):3 with linespoints lw 2 pt 7 ps 0.4 lc rgb '#1565c0' title 'connect', \
     '' using (sqrt($1*$2)):4 with linespoints lw 2 pt 7 ps 0.4 lc rgb '#2e7d32' title 'handshake', \
     '' using (sqrt($1*$2)):5 with linespoints lw 2 pt 7 ps 0.4 lc rgb '#ef6c00' title 'first byte', \
     '' using (sqrt($1*$2)):6 with linespoints lw 2 pt 7 ps 0.4 lc rgb '#6a1b9a' title 'total'
