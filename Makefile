# Every target bootstraps .venv from nothing: a machine with Python 3.11+ is enough.
PYTHON ?= $(if $(filter Windows_NT,$(OS)),python,python3)
VENV   := .venv
BIN    := $(VENV)/$(if $(filter Windows_NT,$(OS)),Scripts,bin)
STAMP  := $(VENV)/.installed

.PHONY: demo test soak lint bench clean install mutation

# The package is byte-compiled at install, as a wheel install does: under
# PYTHONDONTWRITEBYTECODE every run would otherwise compile every module it imports
# (a .pyc older than its source is simply not used).
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m compileall -q reconciler
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	@bash examples/demo.sh

test: $(STAMP)
	$(BIN)/python -m pytest

# The reliability suite with many more seeds, kills, generated files and model examples
# (tests/reliability/relkit.py: count()); replay one seed with WFPROMOTE_SEED=N.
soak: $(STAMP)
	WFPROMOTE_SOAK=1 $(BIN)/python -m pytest tests/reliability -q

lint: $(STAMP)
	$(BIN)/ruff check reconciler tests benchmarks tools
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache
	$(BIN)/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml examples/github/*.yml
	$(BIN)/check-jsonschema --builtin-schema vendor.github-actions action.yml
	$(BIN)/check-jsonschema --builtin-schema vendor.gitlab-ci examples/gitlab/.gitlab-ci.yml
	$(BIN)/zizmor --offline --no-progress --quiet action.yml .github/workflows/*.yml examples/github/*.yml
	$(BIN)/zizmor --offline --no-progress --quiet --persona auditor action.yml .github/workflows/*.yml examples/github/*.yml

bench: $(STAMP)
	$(BIN)/python benchmarks/bench.py

# Mutation testing of the pure planning core (docs/testing.md); not part of `make test`.
# A fresh run each time (about 4 minutes on 2 cores): cached verdicts could hide a weakened test.
MUTATION_JOBS ?= 2
mutation: $(STAMP)
	rm -rf mutants
	$(BIN)/mutmut run --max-children $(MUTATION_JOBS)
	$(BIN)/python tools/mutation_report.py

clean:
	rm -rf $(VENV) .wfpromote build dist *.egg-info mutants
