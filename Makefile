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

## seeding (issue 4): stress data, database size table, seeding benchmark
.PHONY: seed-stress db-stats bench-seed

## seed-stress: the stress data set (10,000 members, ~430,000 jobs); SEED_ARGS adds options (e.g. --truncate)
seed-stress: setup
	$(LOADLAB) seed --profile stress $(SEED_ARGS)

## db-stats: rows, total/table/index size and bytes per row per table
db-stats: setup
	$(LOADLAB) db-stats

## bench-seed: seeder vs psql \copy vs 500-row INSERT batches on the stress data set (not a test)
bench-seed: setup
	$(LOADLAB) bench-seed $(BENCH_ARGS)

serve: setup
	$(LOADLAB) serve

build: setup
	$(LOADLAB) build

clean:
	rm -rf dist .data reports/*/
