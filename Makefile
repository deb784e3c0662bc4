# ppgscope: `make demo` sets everything up and runs the main job; `make test` runs the tests.
SHELL := /bin/bash
CORETYPE := $(shell scripts/openblas-coretype)
ifneq ($(CORETYPE),)
export OPENBLAS_CORETYPE ?= $(CORETYPE)
endif

RELEASE := .build/release/ppgscope
DEBUG := .build/debug/ppgscope

.PHONY: demo test deps data release bench clean-data

## demo: install what is missing, build in release mode, fetch the KID-PPG data, run the main job.
demo: deps release
	PPGSCOPE=$(RELEASE) scripts/fetch-kid-ppg
	$(RELEASE) info models/kid_ppg_weights.h5 data/ppg_dalia_S6_stairs.h5

## test: install what is missing, build the tests, fetch the data, run every test.
test: deps
	swift build --build-tests
	PPGSCOPE=$(DEBUG) scripts/fetch-kid-ppg
	swift test --skip-build

deps:
	scripts/install-deps

release:
	swift build -c release --product ppgscope

## bench: forward-pass speed on the real models.
bench: release
	PPGSCOPE=$(RELEASE) scripts/fetch-kid-ppg
	$(RELEASE) bench
