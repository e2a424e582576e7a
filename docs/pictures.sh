#!/usr/bin/env bash
# Draw the README's pictures into docs/: bash docs/pictures.sh (from anywhere; uses a temporary store).
set -euo pipefail
cd "$(dirname "$0")/.."
store=$(mktemp -d)
trap 'rm -rf "$store"' EXIT
c=(python cli.py --db "$store/pictures.db")
"${c[@]}" topology import examples/multi_region.json >/dev/null
"${c[@]}" topology import examples/potjans_diesmann_2014.json >/dev/null
"${c[@]}" plot matrix potjans_diesmann_2014 -o docs/matrix.png
"${c[@]}" plot graph multi_region -o docs/graph.png --color-by role
"${c[@]}" simulate --topology multi_region --neurons 1e7 --stimulus sensory_cortex=1.0@100:400 --seed 1 \
    --plot docs/run.png >/dev/null
"${c[@]}" simulate --topology potjans_diesmann_2014 --neurons 1e6 --model wilson-cowan --coupling 0.005 \
    --noise E=0.001 --noise I=0.001 --fc --duration 3000 --transient 500 --seed 3 >/dev/null
"${c[@]}" plot fc 2 -o docs/fc.png
