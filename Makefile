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

## database care (maintenance/): integrity checks, auto-heal, resilience, backups, the care benchmark
.PHONY: integrity auto-heal auto-heal-dry-run heal-summary resilience backup inject-anomalies bench-care
integrity: setup
	$(LOADLAB) integrity

auto-heal: setup
	$(LOADLAB) heal

auto-heal-dry-run: setup
	$(LOADLAB) heal --dry-run

heal-summary: setup
	$(LOADLAB) heal --summary

resilience: setup
	$(LOADLAB) resilience $(if $(EXPORT),--export $(EXPORT))

backup: setup
	$(LOADLAB) backup

inject-anomalies: setup
	$(LOADLAB) inject-anomalies $(if $(KINDS),--kinds $(KINDS)) $(if $(COUNT),--count $(COUNT))

## bench-care: integrity + heal over the stress data set with 1% anomalies (prints seconds per check)
bench-care: setup
	$(LOADLAB) bench-care
