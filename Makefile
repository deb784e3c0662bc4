# ppgscope: `make demo` sets everything up and runs the main job; `make test` runs the tests.
SHELL := /bin/bash

RELEASE := .build/release/ppgscope
DEBUG := .build/debug/ppgscope

.PHONY: demo test deps test-deps data release bench docs

## demo: install what is missing, build in release mode, fetch the KID-PPG data, inspect the real
## KID-PPG model on the S6 recording (report in out/inspect-kidppg-s6/index.html).
demo: deps release
	PPGSCOPE=$(RELEASE) scripts/fetch-kid-ppg
	$(RELEASE) info models/kid_ppg_weights.h5 data/ppg_dalia_S6_stairs.h5
	mkdir -p out
	$(RELEASE) inspect --model models/kid_ppg_weights.h5 --recording data/ppg_dalia_S6_stairs.h5 --out out/inspect-kidppg-s6

## test: install what is missing, build, fetch the data, run every test, then check that an
## inspect report and a batch cohort report render in headless Chromium with every figure visible.
test: test-deps
	swift build --build-tests
	PPGSCOPE=$(DEBUG) scripts/fetch-kid-ppg
	scripts/make-s6-formats
	swift test --skip-build
	mkdir -p out
	$(DEBUG) inspect --model models/kid_ppg_weights.h5 --recording data/ppg_dalia_S6_stairs.h5 --out out/test-render --no-ablation > /dev/null
	scripts/check-report-render out/test-render
	rm -rf out/test-batch out/test-batch-input && mkdir -p out/test-batch-input
	$(DEBUG) synth --hr 90 --duration 120 --motion arm-swing --out out/test-batch-input/synthetic.h5 > /dev/null
	$(DEBUG) batch --model models/kid_ppg_weights.h5 --inspect --out out/test-batch data/ppg_dalia_S6_stairs.h5 out/test-batch-input/synthetic.h5 > /dev/null
	scripts/check-report-render out/test-batch
	rm -rf out/test-hr-render
	$(DEBUG) hr --model models/kid_ppg_weights.h5 --recording data/ppg_dalia_S6_stairs.h5 --report out/test-hr-render > /dev/null
	scripts/check-report-render out/test-hr-render

deps:
	scripts/install-deps

test-deps:
	scripts/install-deps --test

release:
	swift build -c release --static-swift-stdlib --product ppgscope

## bench: forward-pass speed on the real models.
bench: release
	PPGSCOPE=$(RELEASE) scripts/fetch-kid-ppg
	$(RELEASE) bench

## docs: re-render the figures committed under docs/ (needs librsvg2-bin).
docs: release
	scripts/install-deps --docs
	mkdir -p out
	$(RELEASE) inspect --model models/kid_ppg_weights.h5 --recording data/ppg_dalia_S6_stairs.h5 --out out/docs-inspect
	scripts/render-png --width 1400 --dest docs/inspect out/docs-inspect

.PHONY: fuzz fuzz-short libfuzzer sanitize

## fuzz: mutation fuzzing of every format ppgscope reads, through the release binary: 10,000 cases
## per format (tools/fuzz/formats.txt); findings are kept in out/fuzz-findings. FUZZ_CASES, FUZZ_SEED
## and FUZZ_JOBS change the run.
FUZZ_CASES ?= 10000
FUZZ_SEED ?= 1
FUZZ_JOBS ?= 2
fuzz: release
	tools/fuzz/fuzz.py --binary $(RELEASE) --cases $(FUZZ_CASES) --seed $(FUZZ_SEED) --jobs $(FUZZ_JOBS) --json out/fuzz-summary.json

## fuzz-short: the seeded pass CI runs (50 cases per format).
fuzz-short: release
	tools/fuzz/fuzz.py --binary $(RELEASE) --cases 50 --seed 2026

## libfuzzer: the in-process libFuzzer + AddressSanitizer harnesses of the CSV and model_config
## parsers (a package of their own under tools/fuzz/libfuzzer), LIBFUZZER_SECONDS each.
LIBFUZZER_SECONDS ?= 600
libfuzzer:
	tools/fuzz/libfuzzer/run $(LIBFUZZER_SECONDS)

## sanitize: the thread-sharing and file-parsing tests under AddressSanitizer and ThreadSanitizer.
sanitize:
	scripts/sanitize
