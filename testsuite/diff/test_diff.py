"""Differential tests: ffix vs the direct (compiler) call vs Debian's libffi.

One test per batch of generated signatures (FFIX_DIFF_COUNT, FFIX_DIFF_BATCH), plus one for the
hand-written signatures of gen.FIXED_SPECS; the same for closures (FFIX_DIFF_CLOSURE_COUNT,
gen.CLOSURE_FIXED_SPECS and FIXED_SPECS again as closures).  See README.md.
"""

import os

import pytest

from conftest import get_suite
import gen
import runner

_COUNT = int(os.environ.get('FFIX_DIFF_COUNT') or 2000)
_BATCH = int(os.environ.get('FFIX_DIFF_BATCH') or gen.DEFAULT_BATCH)
_NBATCHES = (_COUNT + _BATCH - 1) // _BATCH
_CLOSURE_COUNT = runner.closure_count()
_CLOSURE_NBATCHES = (_CLOSURE_COUNT + _BATCH - 1) // _BATCH
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


def test_fixed_signatures():
    """Hand-written signatures: libffi's known bugs and ABI corner cases."""
    suite = get_suite()
    _check(suite.result('fixed'), suite.cfg)


@pytest.mark.parametrize('batch', range(_NBATCHES), ids=lambda b: 'batch%04d' % b)
def test_random_batch(batch):
    suite = get_suite()
    _check(suite.result(batch), suite.cfg)


def test_closure_fixed_signatures():
    """Hand-written closure signatures (gen.CLOSURE_FIXED_SPECS, then gen.FIXED_SPECS)."""
    suite = get_suite()
    _check(suite.result('cfixed'), suite.cfg)


@pytest.mark.parametrize('batch', range(_CLOSURE_NBATCHES), ids=lambda b: 'closure%04d' % b)
def test_closure_batch(batch):
    suite = get_suite()
    _check(suite.result(('closure', batch)), suite.cfg)


def test_features_present():
    """__int128, vector and call-plan types are checked only if the library under test has
    them (libffi 3.4.4 has none): skip, visibly, when they are missing."""
    suite = get_suite()
    missing = sorted({'int128', 'vector', 'plan'} - suite.cfg.features)
    if missing:
        pytest.skip('library under test lacks %s: those signatures/checks were not run'
                    % ', '.join(missing))
