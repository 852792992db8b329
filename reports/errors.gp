# Errors per measured second (same data file as timeline.gp: block 0 the
# full seconds, block 1 the partial last second, drawn as an empty box).
reset
set title 'Errors over time'
set xlabel 'time (s)'
set ylabel 'errors per second'
set yrange [0:*]
set style fill solid 0.7 noborder
set boxwidth 0.8 relative
set grid ytics lc rgb '#dddddd'
set border 3
set xtics nomirror
set ytics nomirror
set key top right
# `mtlsprobe report` may add settings of its own (threshold lines, whether the
# last second is partial) in the file named by `extra`.
marked = 0
partial = 0
if (exists("extra") && strlen(extra) > 0) { load extra }
if (partial) {
plot data index 0 using 1:5 with boxes lc rgb '#c62828' title 'errors per second', \
     '' index 1 using 1:5:(0.5) with boxes fill empty border lc rgb '#c62828' title 'partial last second'
} else {
plot data index 0 using 1:5 with boxes lc rgb '#c62828' title 'errors per second'
}
