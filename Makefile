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
## inspect report renders in headless Chromium with every figure visible.
test: test-deps
	swift build --build-tests
	PPGSCOPE=$(DEBUG) scripts/fetch-kid-ppg
	scripts/make-s6-formats
	swift test --skip-build
	mkdir -p out
	$(DEBUG) inspect --model models/kid_ppg_weights.h5 --recording data/ppg_dalia_S6_stairs.h5 --out out/test-render --no-ablation > /dev/null
	scripts/check-report-render out/test-render
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
