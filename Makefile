# Referloop — make dev runs the product locally, make test passes every test.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# The Go toolchain every build, test and linter here uses: go1.26.8's standard library carries
# advisories (net/http, crypto/tls, crypto/x509, net/textproto, html/template) fixed in later patch
# releases. The go command fetches this toolchain from the Go module proxy on first use (~76 MB),
# so a fresh machine gets it too; go.mod's go line stays the minimum the code needs.
export GOTOOLCHAIN := go1.27.3

GO        ?= go
PORT      ?= 3000
FUNCTIONS := $(notdir $(wildcard functions/*))
# The release build: linux/arm64, static, stripped, no RPC shim (provided.al2023 needs none).
GOBUILD   := CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) build -trimpath -ldflags "-s -w" -tags lambda.norpc
SUDO      := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT       := DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends
NPM_CI    := npm ci --no-audit --no-fund --loglevel=error
# The benchmarks are their own Go module (vegeta and the capacity meter stay out of the product's go.mod).
BENCHMOD  := infra/bench
# govulncheck and the pinned golang.org/x/vulndb its offline database is built from (see vulndb).
VULN_VERSION   := v1.9.0
VULNDB_VERSION := v0.0.0-20261105234957-e22db6528018
VULNDB         := $(CURDIR)/.cache/vulndb/$(VULNDB_VERSION)
VULNDB_STAMP   := $(VULNDB)/.built

.PHONY: help
help: ## list the targets
	@grep -E '^[a-zA-Z_%-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

## ---- what a fresh machine needs (installed by the Makefile, never by hand) ----
.PHONY: deps
deps: node-deps system-deps ## install everything the project needs

.PHONY: node-deps
node-deps: infra/dynamodblocal/node_modules/.installed portal/node_modules/.installed

infra/dynamodblocal/node_modules/.installed: infra/dynamodblocal/package-lock.json
	$(NPM_CI) --prefix infra/dynamodblocal
	@touch $@

portal/node_modules/.installed: portal/package-lock.json
	$(NPM_CI) --prefix portal
	@touch $@

.PHONY: system-deps
system-deps: ## Java 17 for DynamoDB Local, Debian's Chromium for the browser tests, qemu-user-static for the arm64 emulator run
	@missing=""; command -v java >/dev/null || missing="$$missing openjdk-17-jre-headless"; \
	  command -v chromium >/dev/null || missing="$$missing chromium"; \
	  command -v qemu-aarch64-static >/dev/null || missing="$$missing qemu-user-static"; \
	  if [ -n "$$missing" ]; then \
	    echo "installing from Debian:$$missing"; \
	    $(SUDO) apt-get update -q || true; \
	    $(APT) $$missing; \
	  fi

## ---- run ----
.PHONY: dev
dev: node-deps system-deps portal ## run Referloop on http://127.0.0.1:$(PORT) with demo data (kept in .data/)
	@echo "make dev: building the local server (the first build takes a minute or two)…"
	@$(GO) build -o bin/referloop-local ./infra/cmd/local
	@echo "make dev: starting DynamoDB Local, the functions and the portal on http://127.0.0.1:$(PORT)…"
	@exec bin/referloop-local -port $(PORT)

PORTAL_SRC := $(shell find portal/src portal/index.html portal/vite.config.ts portal/tsconfig.json portal/public -type f 2>/dev/null)
portal/dist/index.html: portal/node_modules/.installed $(PORTAL_SRC)
	npm --prefix portal run --silent build
	@touch $@

.PHONY: portal
portal: portal/dist/index.html ## build the portal (Vite) into portal/dist

.PHONY: rollup
rollup: ## run the metric rollup once against a running `make dev` (REBUILD=1: full rebuild)
	@curl -fsS -X POST "http://127.0.0.1:$(PORT)/_dev/rollup$(if $(REBUILD),?rebuild=1,)" && echo

## ---- build ----
.PHONY: build
build: $(addprefix bin/,$(addsuffix /bootstrap,$(FUNCTIONS))) ## every function to bin/<name>/bootstrap (linux/arm64)
	@ls -l bin/*/bootstrap | awk '{printf "  %-28s %6.2f MiB\n", $$9, $$5/1048576}'

bin/%/bootstrap: FORCE
	$(GOBUILD) -o $@ ./functions/$*

FORCE:

# sam build (BuildMethod: makefile) calls build-<LogicalId> with ARTIFACTS_DIR set.
build-%Function:
	$(GOBUILD) -o $(ARTIFACTS_DIR)/bootstrap ./functions/$(shell echo $* | tr '[:upper:]' '[:lower:]')

## ---- check ----
.PHONY: lint
lint: bin/staticcheck bin/govulncheck $(VULNDB_STAMP) ## gofmt, go vet, staticcheck, go mod tidy -diff, govulncheck (product and bench modules), cfn-lint template.yaml
	@out=$$(find . -name '*.go' -not -path '*/node_modules/*' -not -path './.data/*' | xargs gofmt -l); \
	  if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) vet -tags e2e ./infra/e2e/
	$(GO) -C $(BENCHMOD) vet ./...
	bin/staticcheck ./...
	bin/staticcheck -tags e2e ./infra/e2e/
	cd $(BENCHMOD) && $(CURDIR)/bin/staticcheck ./...
	@$(GO) mod tidy -diff || { echo "go mod tidy would change go.mod/go.sum (above): run go mod tidy and commit"; exit 1; }
	@$(GO) -C $(BENCHMOD) mod tidy -diff || { echo "go mod tidy would change $(BENCHMOD)/go.mod/go.sum (above): run it there and commit"; exit 1; }
	bin/govulncheck -db file://$(VULNDB) -tags e2e ./...
	cd $(BENCHMOD) && $(CURDIR)/bin/govulncheck -db file://$(VULNDB) ./...
	cfn-lint template.yaml

# Linters are pinned and built from the Go module proxy, outside both modules' go.mod.
STATICCHECK_VERSION := v0.8.2
bin/staticcheck: Makefile
	GOBIN=$(CURDIR)/bin $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	@touch $@

# govulncheck reports the vulnerabilities the code can reach, from an offline database: built once
# per checkout by golang.org/x/vulndb's cmd/indexdb from the OSV files of a pinned vulndb version
# (the Go module proxy is the only network it needs). Move VULNDB_VERSION forward to take in new
# advisories; the old database stays beside it until `make clean-vulndb`.
bin/govulncheck: Makefile
	GOBIN=$(CURDIR)/bin $(GO) install golang.org/x/vuln/cmd/govulncheck@$(VULN_VERSION)
	@touch $@

$(VULNDB_STAMP):
	@echo "building the vulnerability database from golang.org/x/vulndb@$(VULNDB_VERSION) (once; a few minutes the first time)"
	@src=$$($(GO) mod download -json golang.org/x/vulndb@$(VULNDB_VERSION) | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$$/\1/p'); \
	  test -d "$$src/data/osv" || { echo "golang.org/x/vulndb@$(VULNDB_VERSION) has no data/osv"; exit 1; }; \
	  rm -rf $(VULNDB); mkdir -p $(dir $(VULNDB)); \
	  $(GO) run golang.org/x/vulndb/cmd/indexdb@$(VULNDB_VERSION) -vulns "$$src/data/osv" -out $(VULNDB)
	@touch $@

.PHONY: vulndb clean-vulndb
vulndb: $(VULNDB_STAMP) ## build the offline vulnerability database govulncheck reads (once)

clean-vulndb: ## remove the offline vulnerability databases (.cache/vulndb)
	rm -rf .cache/vulndb

bin/testsum: infra/cmd/testsum/main.go
	$(GO) build -o $@ ./infra/cmd/testsum

bin/with: $(shell find infra/cmd/with infra/dynamodblocal infra/template -name '*.go')
	$(GO) build -o $@ ./infra/cmd/with

.PHONY: test
# One summary for both modules: root ./... skips the nested bench module, so its tests run in the
# same pipe; either go test failing fails the pipe (pipefail), as does testsum. Packages run one at a
# time (-p 1), and each test binary starts its own DynamoDB Local (infra/dynamotest, ~2 s): one
# instance shared by the whole run slows every write by every stream record it ever held (each write
# reads the stream's description, SQLiteDBAccessJob.getStreamDescription), 10-50x by the last
# packages. The browser suite (infra/e2e) runs last, alone: its pages would race the integration
# suites for the same two cores.
test: node-deps system-deps lint portal-test portal bin/testsum ## lint, portal types and unit tests, Go unit + integration tests on DynamoDB Local (product and bench modules), browser end-to-end
	bash -c 'set -o pipefail; unset DYNAMODB_ENDPOINT; { rc=0; \
	  $(GO) test -json -count=1 -p 1 -timeout 60m -tags e2e $$($(GO) list -tags e2e ./... | grep -v "/infra/e2e$$") || rc=$$?; \
	  $(GO) -C $(BENCHMOD) test -json -count=1 -p 1 -timeout 30m ./... || rc=$$?; \
	  $(GO) test -json -count=1 -timeout 30m -tags e2e ./infra/e2e/ || rc=$$?; exit $$rc; } | bin/testsum'

.PHONY: portal-test
portal-test: portal-types ## the portal's unit tests (vitest), after portal-types
	npm --prefix portal run --silent test

# The portal's API types are generated from docs/openapi.yaml (portal/src/api-schema.d.ts): fails
# when the committed file is not what the document generates, or the portal does not type-check.
.PHONY: portal-types
portal-types: portal/node_modules/.installed ## portal/src/api-schema.d.ts up to date with docs/openapi.yaml; tsc --noEmit
	npm --prefix portal run --silent gen:types:check
	npm --prefix portal run --silent typecheck

.PHONY: clean
clean: ## remove build output and local data
	rm -rf bin portal/dist .aws-sam .data

## ---- bench ----
# `make bench` runs every part below, then writes docs/benchmarks.md; `make bench-<part>` runs one
# part and rewrites only its rows. Every figure stands beside a floor measured in the same run.
# Budgets are reported, not enforced: it exits non-zero only when a part could not run.
BENCH_PARTS := coldstart capacity overhead load portal loop rollup growth
BENCHSTAT   := $(GO) run golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da

.PHONY: bench bench-report $(addprefix bench-,$(BENCH_PARTS))
bench: node-deps system-deps portal bin/with bin/bench/bench ## every benchmark (a few minutes), reported in docs/benchmarks.md
	@failed=""; for p in $(BENCH_PARTS); do \
	  $(MAKE) --no-print-directory bench-$$p || failed="$$failed $$p"; done; \
	  bin/bench/bench report; \
	  if [ -n "$$failed" ]; then echo "bench: could not run:$$failed" >&2; exit 1; fi

bin/bench/bench: FORCE
	$(GO) -C $(BENCHMOD) build -o $(CURDIR)/$@ ./cmd/bench

bench-coldstart: node-deps system-deps bin/with bin/bench/bench ## each bootstrap's cold start vs a bare aws-lambda-go hello; arm64 sizes
	bin/with -- bin/bench/bench coldstart
	@$(BENCHSTAT) -col /fn bin/bench/coldstart.bench.txt > bin/bench/coldstart.benchstat.txt 2>/dev/null || echo "benchstat unavailable: skipped"
	@bin/bench/bench report

bench-capacity: node-deps system-deps bin/with bin/bench/bench ## read/write units of each API operation; $ per million submissions
	bin/with -- bin/bench/bench capacity

bench-overhead: node-deps system-deps bin/with bin/bench/bench ## each handler through the Lambda adapter vs its raw DynamoDB calls
	bin/with -- bin/bench/bench overhead
	@$(BENCHSTAT) -col /arm bin/bench/overhead.bench.txt > bin/bench/overhead.benchstat.txt 2>/dev/null || echo "benchstat unavailable: skipped"
	@bin/bench/bench report

bench-load: node-deps system-deps bin/with bin/bench/bench ## vegeta on 127.0.0.1: fixed rate, then the highest rate with 0 errors
	bin/with -- bin/bench/bench load

bench-portal: node-deps system-deps portal bin/with bin/bench/bench ## gzipped JS/CSS per route; LCP, CLS and a human-pace fill of /refer
	bin/with -- bin/bench/bench portal

bench-loop: node-deps system-deps bin/bench/bench ## the notifier's delay from a status change to the email, vs the stream's own
	bin/bench/bench loop

bench-rollup: node-deps system-deps bin/bench/bench ## 100,000 referrals: full rebuild vs incremental after 1% changed; metrics API latency
	bin/bench/bench rollup

bench-growth: node-deps system-deps bin/bench/bench ## one tenant at 10,000, 100,000 and 300,000 referrals: each request path's units, the rollup's, the largest item; slopes
	bin/bench/bench growth

bench-report: bin/bench/bench ## docs/benchmarks.md from the parts already run (bin/bench/*.json)
	bin/bench/bench report

## ---- the Lambda emulator (make test runs its suite: infra/lambdaevents/rie_test.go, tag e2e) ----
# AWS's Lambda Runtime Interface Emulator, the one inside SAM's local images, pinned and built from the
# Go module proxy like bin/staticcheck (the suite installs it itself when missing). Note that its
# --help starts a server on 0.0.0.0:8080 instead of printing help.
RIE_VERSION := v0.0.0-20261030222936-bef5c4ba774d
bin/aws-lambda-rie: Makefile
	GOBIN=$(CURDIR)/bin CGO_ENABLED=0 $(GO) install github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@$(RIE_VERSION)
	@printf '%s' '$(RIE_VERSION)' > $@.version

.PHONY: rie-test
rie-test: node-deps system-deps bin/aws-lambda-rie bin/with ## only the emulator suite: every events/*.json through each bootstrap under aws-lambda-rie (one also arm64 under qemu)
	bin/with -- $(GO) test -count=1 -tags e2e -run TestEmulator -v ./infra/lambdaevents/

bin/events: $(shell find infra/cmd/events -name '*.go' 2>/dev/null)
	$(GO) build -o $@ ./infra/cmd/events

.PHONY: events
events: bin/events ## fill events/*.json with live sessions and ids from a running `make dev` into .data/events/ (for sam local invoke -e)
	bin/events -base http://127.0.0.1:$(PORT) -out .data/events

## ---- deploy to AWS (the aws and sam CLIs, credentials; docs/deploy.md) ----
# STAGE is an environment of samconfig.toml: default (stack referloop) or staging (referloop-staging).
# The first deploy of a stack asks for SenderEmail and AlarmEmail (or takes SENDER_EMAIL and
# ALARM_EMAIL); later deploys keep the stack's own values. PORTAL_DOMAIN, PORTAL_CERTIFICATE_ARN,
# PORTAL_HOSTED_ZONE_ID, ENABLE_WAF and LOG_RETENTION_DAYS change those parameters when given.
STAGE ?= default
STACK  = $(shell awk -v t='[$(STAGE).deploy.parameters]' '$$0==t{f=1;next} /^\[/{f=0} f&&$$1=="stack_name"{gsub(/"/,"",$$3);print $$3}' samconfig.toml)
OUTPUT = aws cloudformation describe-stacks --stack-name $(STACK) --query "Stacks[0].Outputs[?OutputKey=='$(1)'].OutputValue" --output text
OVERRIDES = $(strip $(if $(PORTAL_DOMAIN),PortalDomainName=$(PORTAL_DOMAIN)) \
  $(if $(PORTAL_CERTIFICATE_ARN),PortalCertificateArn=$(PORTAL_CERTIFICATE_ARN)) \
  $(if $(PORTAL_HOSTED_ZONE_ID),PortalHostedZoneId=$(PORTAL_HOSTED_ZONE_ID)) \
  $(if $(ENABLE_WAF),EnableWaf=$(ENABLE_WAF)) $(if $(LOG_RETENTION_DAYS),LogRetentionDays=$(LOG_RETENTION_DAYS)))

.PHONY: deploy deploy-check deploy-portal undeploy rotate-signing-key
deploy-check:
	@command -v sam >/dev/null || { echo "make deploy needs the AWS SAM CLI (sam): see docs/deploy.md"; exit 1; }
	@command -v aws >/dev/null || { echo "make deploy needs the AWS CLI v2 (aws): see docs/deploy.md"; exit 1; }
	@test -n "$(STACK)" || { echo "samconfig.toml has no [$(STAGE).deploy.parameters] stack_name"; exit 1; }
	@aws sts get-caller-identity --query Account --output text >/dev/null || { echo "no AWS credentials (aws configure, or AWS_PROFILE)"; exit 1; }

deploy: deploy-check portal ## build and deploy STAGE's stack (default, staging), upload the portal, invalidate CloudFront
	sam build --config-env $(STAGE)
	@params="$(OVERRIDES)"; \
	if ! aws cloudformation describe-stacks --stack-name $(STACK) >/dev/null 2>&1; then \
	  sender="$(SENDER_EMAIL)"; alarm="$(ALARM_EMAIL)"; \
	  echo "First deploy of $(STACK): two questions (later deploys keep the answers)."; \
	  [ -n "$$sender" ] || read -r -p "  SenderEmail, an address SES has verified (or of a verified domain): " sender; \
	  [ -n "$$alarm" ] || read -r -p "  AlarmEmail, who is told when something breaks (empty: nobody yet): " alarm; \
	  params="SenderEmail=$$sender $${alarm:+AlarmEmail=$$alarm} $$params"; \
	fi; \
	set -x; sam deploy --config-env $(STAGE) $${params:+--parameter-overrides "$$params"}
	@$(MAKE) --no-print-directory deploy-portal STAGE=$(STAGE)

deploy-portal: deploy-check portal ## upload portal/dist to STAGE's bucket (hashed assets cached a year, index.html no-cache) and invalidate the distribution
	@bucket=$$($(call OUTPUT,PortalBucketName)); dist=$$($(call OUTPUT,PortalDistributionId)); url=$$($(call OUTPUT,PortalUrl)); \
	  if [ -z "$$bucket" ] || [ "$$bucket" = None ]; then echo "stack $(STACK) has no PortalBucketName output: make deploy first"; exit 1; fi; \
	  set -x; \
	  aws s3 sync portal/dist/assets "s3://$$bucket/assets" --only-show-errors --cache-control "public, max-age=31536000, immutable"; \
	  aws s3 sync portal/dist "s3://$$bucket" --only-show-errors --delete --exclude "assets/*" --exclude ".vite/*" --cache-control "no-cache"; \
	  aws cloudfront create-invalidation --distribution-id "$$dist" --paths "/*" --query Invalidation.Id --output text; \
	  set +x; echo "Referloop ($(STACK)) is at $$url"

undeploy: deploy-check ## delete STAGE's stack: its portal bucket is emptied first; tables, their key and the audit vault stay (docs/deploy.md)
	@bucket=$$($(call OUTPUT,PortalBucketName) 2>/dev/null || true); \
	  if [ -n "$$bucket" ] && [ "$$bucket" != None ]; then aws s3 rm "s3://$$bucket" --recursive --only-show-errors; fi
	sam delete --config-env $(STAGE) --stack-name $(STACK) --no-prompts

rotate-signing-key: deploy-check ## a new session signing key for STAGE; sessions and rating links signed with the previous one keep working
	@arn=$$($(call OUTPUT,SigningKeySecretArn)); \
	  aws secretsmanager get-random-password --password-length 64 --exclude-punctuation --require-each-included-type \
	    --query RandomPassword --output text | tr -d '\n' | \
	  aws secretsmanager put-secret-value --secret-id "$$arn" --secret-string file:///dev/stdin --query VersionId --output text >/dev/null; \
	  echo "rotated $$arn: the new key signs within 10 minutes; the previous one still verifies (rotate at most every 30 days)"
