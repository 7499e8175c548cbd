# The two commands of the README, and the pieces they are made of.
# Every recipe runs on the Node.js of .node-version (24 LTS): the machine's own when it is new enough, else the one
# scripts/node.sh installs and caches.
export PATH := $(shell bash scripts/node.sh):$(PATH)

.PHONY: demo test bootstrap lint typecheck generate unit integration bench build image

## demo: start a local two-region environment and run Switchyard's demo against it
demo: bootstrap
	npx tsx demo/main.ts $(DEMO_ARGS)

## test: every check and every test (lint, types, generated files, unit, integration against real apiservers + moto)
test: bootstrap lint typecheck
	npx tsx scripts/generate.ts --check
	npx vitest run

bootstrap:
	bash scripts/bootstrap.sh

lint:
	npx eslint .
	npx prettier --check .
	npx tsx test/env/cli.ts run helm lint --strict charts/switchyard --set region=us-east-1
	# The release workflow only runs on a tag: lint it (and, through shellcheck, its scripts) on every change.
	npx tsx test/env/cli.ts run actionlint -no-color

typecheck:
	npx tsc -p tsconfig.json --noEmit

generate:
	npx tsx scripts/generate.ts

unit: bootstrap
	npx vitest run --project unit

integration: bootstrap
	npx vitest run --project integration

bench: bootstrap
	npm run bench

build:
	npx tsc -p tsconfig.build.json

image:
	docker build -t switchyard:dev .
