# The two set-up commands are `make run` and `make test`; the rest help developers.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export TICKETDESK_HOME := $(CURDIR)
# the LDAP extra needs the OpenLDAP and SASL headers (apt: libldap2-dev libsasl2-dev)
comma := ,
EXTRAS := dev$(if $(and $(wildcard /usr/include/ldap.h),$(wildcard /usr/include/sasl/sasl.h)),$(comma)ldap)

.PHONY: run test test-fast lint format typecheck bench demo install clean messages screenshots

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@$(BIN)/python -m pip install --quiet -e ".[$(EXTRAS)]"
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	@mkdir -p var
	@$(BIN)/ticketdesk compilemessages --ignore=.venv -v0 2>/dev/null || true
	$(BIN)/ticketdesk run --setup

test: $(STAMP)
	@$(BIN)/ticketdesk compilemessages --ignore=.venv -v0 2>/dev/null || true
	$(BIN)/python -m pytest -q -n 2 --dist loadgroup $(PYTEST_ARGS)

test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -x -m "not browser" $(PYTEST_ARGS)

# docs/screenshots/ from the page census (the few of DOCS in tests/web/test_page_census.py)
screenshots: $(STAMP)
	@$(BIN)/ticketdesk compilemessages --ignore=.venv -v0 2>/dev/null || true
	TICKETDESK_CENSUS_DOCS=1 $(BIN)/python -m pytest -q -p no:xdist tests/web/test_dark_mode.py \
	  tests/web/test_page_census.py -k "dark or admin-en-1280 or customer-en or (agent-pt-br-375 and not light)"

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy src

bench: $(STAMP)
	$(BIN)/python bench/run.py $(BENCH_ARGS)

demo: $(STAMP)
	$(BIN)/ticketdesk migrate -v0
	$(BIN)/ticketdesk demo

messages: $(STAMP)
	cd src/ticketdesk && ../../$(BIN)/ticketdesk makemessages -l pt_BR -l it --ignore "*/tests/*"

clean:
	rm -rf $(VENV) var/static
