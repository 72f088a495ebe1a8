"""Differential tests: ffix vs the direct (compiler) call vs Debian's libffi.

For each calling convention (FFIX_DIFF_ABI: sysv, win64, gnuw64): one test per batch of
generated signatures (FFIX_DIFF_COUNT for sysv, FFIX_DIFF_MS_COUNT for each Microsoft one;
FFIX_DIFF_BATCH), plus one for the hand-written signatures of gen.FIXED_SPECS (and
gen.MS_FIXED_SPECS); the same for closures (FFIX_DIFF_CLOSURE_COUNT, FFIX_DIFF_MS_CLOSURE_COUNT,
gen.CLOSURE_FIXED_SPECS and the hand-written ffi_call signatures again as closures).
Test ids: test_random_batch[win64-batch0003], test_closure_fixed_signatures[sysv]...
See README.md.
"""

import os

import pytest

from conftest import get_suite
import gen
import runner

_ABIS = runner.abis_from_env()
_BATCH = int(os.environ.get('FFIX_DIFF_BATCH') or gen.DEFAULT_BATCH)


def _batches(count_of):
    return [(a, b) for a in _ABIS for b in range((count_of(a) + _BATCH - 1) // _BATCH)]


_CALL_BATCHES = _batches(runner.call_count)
_CLOSURE_BATCHES = _batches(runner.closure_count)
MAX_SHOWN = 3


def _check(br, cfg):
    msg = []
    for e in br.errors:
        msg.append('ERROR: ' + e)
    if br.failures:
        kinds = br.failure_kinds()
        msg.append('%d of %d signatures in %s fail (%s)%s' % (
            br.nfailures(), br.checked, br.name,
            ', '.join('%s: %d' % kv for kv in sorted(kinds.items())),
            '; build directory kept: %s' % br.dir if br.dir else ''))
        # the first failing signature, then the first one of each other kind
        shown, seen = [], set()
        for f in br.failures:
            if f.kind not in seen and len(shown) < MAX_SHOWN:
                shown.append(f)
                seen.add(f.kind)
        for f in shown:
            msg.append('')
            msg.append(f.render(cfg))
        rest = [f for f in br.failures if f not in shown]
        nrest = br.nfailures() - len(shown)
        if nrest:
            msg.append('')
            msg.append('... and %d more: %s%s' % (
                nrest, ', '.join('%s (%s)' % (f.sig.key, f.kind) for f in rest[:40]),
                ', ...' if nrest > 40 else ''))
    if msg:
        pytest.fail('\n'.join(msg), pytrace=False)


@pytest.mark.parametrize('abi', _ABIS)
def test_fixed_signatures(abi):
    """Hand-written signatures: libffi's known bugs and ABI corner cases."""
    suite = get_suite()
    _check(suite.result((abi, 'call', 'fixed')), suite.cfg)


@pytest.mark.parametrize('abi,batch', _CALL_BATCHES, ids=['%s-batch%04d' % x for x in _CALL_BATCHES])
def test_random_batch(abi, batch):
    suite = get_suite()
    _check(suite.result((abi, 'call', batch)), suite.cfg)


@pytest.mark.parametrize('abi', _ABIS)
def test_closure_fixed_signatures(abi):
    """Hand-written closure signatures (gen.CLOSURE_FIXED_SPECS, then gen.FIXED_SPECS and,
    for the Microsoft ABIs, gen.MS_FIXED_SPECS)."""
    suite = get_suite()
    _check(suite.result((abi, 'closure', 'fixed')), suite.cfg)


@pytest.mark.parametrize('abi,batch', _CLOSURE_BATCHES,
                         ids=['%s-closure%04d' % x for x in _CLOSURE_BATCHES])
def test_closure_batch(abi, batch):
    suite = get_suite()
    _check(suite.result((abi, 'closure', batch)), suite.cfg)


def test_features_present():
    """__int128, vector and call-plan types are checked only if the library under test has
    them (libffi 3.4.4 has none): skip, visibly, when they are missing."""
    suite = get_suite()
    missing = sorted({'int128', 'vector', 'plan'} - suite.cfg.features)
    if missing:
        pytest.skip('library under test lacks %s: those signatures/checks were not run'
                    % ', '.join(missing))
