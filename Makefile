# Two commands for a new machine: `make up` runs the embedded stack, `make test` runs the tests.
# Both create or refresh .venv from pyproject.toml first.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: up test test-other-days faults bench lint clean
CHROMIUM := /usr/bin/chromium

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	touch $(STAMP)

up: $(STAMP)
	$(VENV)/bin/tongban up

# The browser tests drive Debian's chromium with CJK fonts (Playwright's own download cannot
# work here); installed once, as root, or fail loudly saying so.
$(CHROMIUM):
	apt-get install -y -q chromium fonts-noto-cjk || { apt-get update -q && apt-get install -y -q chromium fonts-noto-cjk; } || { echo "the browser tests need Debian's chromium and fonts-noto-cjk: sudo apt-get install chromium fonts-noto-cjk"; exit 1; }

test: $(STAMP) $(CHROMIUM)
	$(VENV)/bin/pytest

# The suite must pass on any day. This runs it again with the machine's clock moved (libfaketime,
# Debian package faketime): 45 days on, and into the 2027 Spring Festival week (8 February),
# in years the chinese-calendar package may not know yet.
SPRING_FESTIVAL_2027 := $$(( ( $$(date -d 2027-02-08T10:00:00+08:00 +%s) - $$(date +%s) ) / 86400 ))
test-other-days: $(STAMP)
	faketime -f '+45d' $(VENV)/bin/pytest -p no:cacheprovider
	faketime -f "+$(SPRING_FESTIVAL_2027)d" $(VENV)/bin/pytest -p no:cacheprovider

# The fault suite at full size (issue 16); `make test` runs the same scenarios smaller.
faults: $(STAMP)
	TB_FAULT_MESSAGES=10000 TB_FAULT_CASES=20 TB_FAULT_OUTAGE_CASES=30 TB_FAULT_KILLS=50 TB_FAULT_KILL_CASES=40 TB_FUZZ_EXAMPLES=100 $(VENV)/bin/pytest -p no:cacheprovider -q tests/faults

bench: $(STAMP)
	$(VENV)/bin/pip install --quiet -e '.[dev,bench]'
	$(VENV)/bin/python -m bench

lint: $(STAMP)
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) data .pytest_cache
