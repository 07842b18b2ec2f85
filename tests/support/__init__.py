"""What several test suites share (``from support.repos import ...``): tests/ is on sys.path
because tests/conftest.py lives there."""
