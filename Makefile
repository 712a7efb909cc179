# loadlab — every target calls the one CLI (load/cli.ts) after `setup` has installed what it needs.
SHELL := /bin/bash
LOADLAB := node bin/loadlab.mjs
STAMP := .tools/.setup-done

USERS ?=
OPS ?=
PATTERN ?=
DURATION ?=
load_args = $(if $(USERS),--users $(USERS)) $(if $(OPS),--ops $(OPS)) $(if $(PATTERN),--pattern $(PATTERN))

.PHONY: setup test typecheck load-test load-quick migrate seed serve build clean

## setup: npm ci (when package-lock changed) + k6 (PATH >= 1.0, or built once into .tools/bin)
setup: $(STAMP)
$(STAMP): package-lock.json scripts/install-k6
	@node -e 'const [a,b]=process.versions.node.split(".").map(Number); if (a<20||(a===20&&b<19)) { console.error("Node.js >= 20.19 is required, found "+process.versions.node); process.exit(1) }'
	npm ci --no-audit --no-fund
	scripts/install-k6
	@mkdir -p .tools && touch $(STAMP)

## test: type checks + all tests (unit, integration on real PostgreSQL, end-to-end with real k6)
test: setup
	npx tsc --noEmit -p tsconfig.json
	npx tsc --noEmit -p scenarios/tsconfig.json
	npx vitest run

typecheck: setup
	npx tsc --noEmit -p tsconfig.json && npx tsc --noEmit -p scenarios/tsconfig.json

## load-test: the main job on the embedded defaults (50 users x 50 ops)
load-test: setup
	$(LOADLAB) load $(load_args)

load-quick: setup
	$(LOADLAB) load --quick $(load_args)

migrate: setup
	$(LOADLAB) migrate

seed: setup
	$(LOADLAB) seed --profile dev

serve: setup
	$(LOADLAB) serve

build: setup
	$(LOADLAB) build

clean:
	rm -rf dist .data reports/*/

## bench-api: requests/s at p95 < 50 ms for GET /members/:id (cache off/on), /livez and raw pg
.PHONY: bench-api
bench-api: setup
	$(LOADLAB) bench-api
