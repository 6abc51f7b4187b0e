#!/bin/sh
# make demo: what berth can do on this board today. Grows with the features:
# it will run examples/web-demo.task.json once tasks can run.
set -u
berth=${1:?usage: demo.sh BERTH}
cd "$(dirname "$0")/.."

echo "\$ berth --version"
"$berth" --version
echo
echo "\$ berth board"
"$berth" board || exit 1
echo
echo "\$ berth validate examples/*.task.json"
# An example written for the other architecture is rejected with a clear
# line: that is the behaviour to show, so the demo does not stop there.
"$berth" validate examples/*.task.json
echo
echo "(exit $? from validate: 0 when every example fits this board)"
