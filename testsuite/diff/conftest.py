"""pytest glue for the ffix differential suite: one session-wide runner, summary lines."""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import runner  # noqa: E402

_state = {'suite': None, 'error': None}


def get_suite():
    """The session's Suite, or pytest.skip with the reason the suite cannot run here."""
    if _state['suite'] is None and _state['error'] is None:
        try:
            _state['suite'] = runner.Suite(runner.Config())
            _state['suite'].start(_state.get('keys'))
        except runner.ConfigError as e:
            _state['error'] = str(e)
    if _state['error'] is not None:
        pytest.skip(_state['error'])
    return _state['suite']


@pytest.hookimpl(trylast=True)   # after -k/-m deselection
def pytest_collection_modifyitems(session, config, items):
    """Start only the batches of the selected tests (e.g. with -k batch0007)."""
    keys = []
    for item in items:
        base = item.name.split('[')[0]
        params = getattr(item, 'callspec', None)
        params = params.params if params else {}
        if base == 'test_fixed_signatures':
            keys.append((params['abi'], 'call', 'fixed'))
        elif base == 'test_random_batch':
            keys.append((params['abi'], 'call', params['batch']))
        elif base == 'test_closure_fixed_signatures':
            keys.append((params['abi'], 'closure', 'fixed'))
        elif base == 'test_closure_batch':
            keys.append((params['abi'], 'closure', params['batch']))
    _state['keys'] = keys


def pytest_sessionfinish(session, exitstatus):
    if _state['suite'] is not None:
        _state['summary'] = _state['suite'].summary()
        _state['suite'].close()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if _state.get('summary'):
        terminalreporter.section('ffix differential summary')
        for line in _state['summary']:
            terminalreporter.write_line(line)
    elif _state['error']:
        terminalreporter.write_line('ffix differential: skipped: ' + _state['error'])
