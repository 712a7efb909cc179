# loadlab — every target calls the one CLI (load/cli.ts) after `setup` has installed what it needs.
SHELL := /bin/bash
LOADLAB := node bin/loadlab.mjs
STAMP := .tools/.setup-done

USERS ?=
OPS ?=
PATTERN ?=
DURATION ?=
BASELINE ?=
load_args = $(if $(USERS),--users $(USERS)) $(if $(OPS),--ops $(OPS)) $(if $(PATTERN),--pattern $(PATTERN))
level_args = $(if $(DURATION),--duration $(DURATION))

.PHONY: setup test lint-api typecheck load-test load-quick load-stress level1 level2 level3 perf-gate migrate seed serve build clean seed-stress db-stats bench-seed

## setup: npm ci (when package-lock changed) + k6 (PATH >= 1.0, or built once into .tools/bin)
setup: $(STAMP)
$(STAMP): package-lock.json scripts/install-k6 scripts/install-chromium scripts/install-test-tools
	@node -e 'const [a,b]=process.versions.node.split(".").map(Number); if (!((a===20&&b>=19)||(a===22&&b>=13)||a>=24)) { console.error("Node.js 22.13+ or 24+ is required (20.19+ still works), found "+process.versions.node); process.exit(1) }'
	npm ci --no-audit --no-fund
	scripts/install-k6
	scripts/install-chromium
	scripts/install-test-tools
	@mkdir -p .tools && touch $(STAMP)

## test: type checks + make lint-api + actionlint on the workflows + all tests (unit, integration on real
##       PostgreSQL, end-to-end with real k6) + the strict manifest check of deploy/ (Go: Kubernetes API types)
test: setup lint-workflows
	npx tsc --noEmit -p tsconfig.json
	npx tsc --noEmit -p scenarios/tsconfig.json
	$(MAKE) --no-print-directory lint-api
	cd deploy/check && go test -count=1 ./...
	npx vitest run

## lint-api: Redocly's recommended rules (redocly.yaml names any rule turned off) on the OpenAPI
##           document buildApp() serves at /docs/json, written to a temporary file; works offline
lint-api: setup
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	  npx tsx server/openapi-document.ts "$$tmp/openapi.json" && \
	  REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true npx redocly lint --config redocly.yaml "$$tmp/openapi.json"

## lint-workflows: actionlint (pinned, built once into .tools/bin with Go) on .github/workflows/
.PHONY: lint-workflows
lint-workflows:
	"$$(scripts/install-actionlint | tail -n 1)" .github/workflows/*.yml

typecheck: setup
	npx tsc --noEmit -p tsconfig.json && npx tsc --noEmit -p scenarios/tsconfig.json

## load-test: the main job on the embedded defaults (50 users x 50 ops)
load-test: setup
	$(LOADLAB) load $(load_args)

load-quick: setup
	$(LOADLAB) load --quick $(load_args)

load-stress: setup
	$(LOADLAB) load --stress $(load_args)

## level1/2/3: fixed arrival rate 100/200/500 req/s (default 10 min; DURATION=60s to shorten)
level1: setup
	$(LOADLAB) level 1 $(level_args)

level2: setup
	$(LOADLAB) level 2 $(level_args)

level3: setup
	$(LOADLAB) level 3 $(level_args)

## perf-gate: CI gate (thresholds in loadlab.gate.json; BASELINE=reports/<dir> to check regressions)
perf-gate: setup
	$(LOADLAB) gate $(if $(BASELINE),--baseline $(BASELINE))

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

## capacity: stepped loads -> resource demands, MVA, USL -> the answer at 4,000 users (STEPS=, NO_SETTLE=1, STEP_DURATION=, THINK_TIME=, VALIDATE=1, VALIDATE_DURATION=, PROFILE=dev|stress, CORES=N)
STEPS ?=
STEP_DURATION ?=
THINK_TIME ?=
VALIDATE ?=
VALIDATE_DURATION ?=
PROFILE ?=
CORES ?=
capacity_args = $(if $(STEPS),--steps $(STEPS)) $(if $(NO_SETTLE),--no-settle) $(if $(STEP_DURATION),--step-duration $(STEP_DURATION)) $(if $(THINK_TIME),--think-time $(THINK_TIME)) $(if $(VALIDATE),--validate) $(if $(VALIDATE_DURATION),--validate-duration $(VALIDATE_DURATION)) $(if $(PROFILE),--profile $(PROFILE)) $(if $(CORES),--cores $(CORES))
.PHONY: capacity
capacity: setup
	$(LOADLAB) capacity $(capacity_args)
## bench-4000: the goal — 4,000 users (15 ops, 5 s think, 60 s ramp-up) on freshly seeded stress data; pass/fail
.PHONY: bench-4000
bench-4000: setup
	$(LOADLAB) bench-4000
## bench-api: requests/s at p95 < 50 ms for GET /members/:id (cache off/on), /livez and raw pg
.PHONY: bench-api
bench-api: setup
	$(LOADLAB) bench-api
## bench-scale: level 3 and the bench-api ceiling with 1 vs 2 workers, the read replica on vs off, the capacity model's what-if (≤ 10 min)
.PHONY: bench-scale
bench-scale: setup
	$(LOADLAB) bench-scale
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

## bench-merge: merged vs exact percentiles (real 2-instance run), merging 50 x 1,000,000-request result files, 1 vs 2 k6 instances
.PHONY: bench-merge
bench-merge: setup
	$(LOADLAB) bench-merge $(BENCH_ARGS)

## compose-check: validate docker-compose.yml with docker-compose / docker compose when installed (says so and exits 0 when not)
.PHONY: compose-check
compose-check:
	scripts/compose-check

## bench-compare: compare's false-alarm rate over pairs of identical runs; CACHE_ENABLED=false caught by compare and gate --baseline
.PHONY: bench-compare
bench-compare: setup
	$(LOADLAB) bench-compare $(BENCH_ARGS)

## bench: every benchmark in one go (figures, not tests): API, seeding, database care, the 4,000 users, merging
.PHONY: bench
bench: bench-api bench-seed bench-care bench-4000 bench-merge bench-compare bench-scale
