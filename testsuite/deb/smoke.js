// smoke.js -- gjs through the system libffi: a signal handler on a GObject
// class defined here, a C function calling a JavaScript callback (a libffi
// closure: Gio.ListStore.insert_sorted's compare function), and the main
// loop calling a JavaScript source function; and which libffi file the
// process mapped.  gjs smoke.js EXPECT (ffix or debian).  Prints TAP.
const { GLib, GObject, Gio } = imports.gi;
const System = imports.system;

let n = 0, failed = 0;
function ok(cond, what) {
    n++;
    if (!cond) failed++;
    print(`${cond ? 'ok' : 'not ok'} ${n} - ${what}`);
}

const Emitter = GObject.registerClass({
    Signals: { 'sum': { param_types: [GObject.TYPE_INT, GObject.TYPE_DOUBLE, GObject.TYPE_STRING], return_type: GObject.TYPE_DOUBLE } },
}, class Emitter extends GObject.Object {});

const e = new Emitter();
let seen = null;
e.connect('sum', (obj, i, d, s) => { seen = [i, d, s]; return i + d; });
const r = e.emit('sum', 40, 2.5, 'abc');
ok(seen && seen[0] === 40 && seen[1] === 2.5 && seen[2] === 'abc', `signal handler got its arguments: ${seen}`);
ok(r === 42.5, `signal handler's result: ${r}`);

// GObject's own notify signal, emitted from C.
let notified = 0;
const action = new Gio.SimpleAction({ name: 'a', enabled: true });
action.connect('notify::enabled', () => { notified++; });
action.enabled = false;
ok(notified === 1, 'notify handler called from C');

// C calls JavaScript back: the compare function of insert_sorted.
const store = new Gio.ListStore({ item_type: Gio.SimpleAction });
let compares = 0;
for (const name of ['m', 'c', 'x', 'a', 'q']) {
    store.insert_sorted(new Gio.SimpleAction({ name }), (a, b) => { compares++; return a.name < b.name ? -1 : a.name > b.name ? 1 : 0; });
}
const names = [];
for (let i = 0; i < store.get_n_items(); i++) names.push(store.get_item(i).name);
ok(names.join('') === 'acmqx' && compares > 0, `insert_sorted through a JavaScript compare function: ${names.join('')} (${compares} calls)`);

// The main loop calls JavaScript: an idle source and a timeout.
const loop = new GLib.MainLoop(null, false);
let ticks = 0;
GLib.idle_add(GLib.PRIORITY_DEFAULT, () => { ticks++; return ticks < 3; });
GLib.timeout_add(GLib.PRIORITY_DEFAULT, 20, () => { loop.quit(); return false; });
loop.run();
ok(ticks === 3, `idle source called ${ticks} times`);

// The library this process mapped: ffix's libffi.so.8.5.0 or Debian's 8.1.2.
const want = ARGV[0] === 'ffix' ? 'libffi.so.8.5.0' : 'libffi.so.8.1.2';
const [, maps] = GLib.file_get_contents('/proc/self/maps');
const mapped = [...new Set(new TextDecoder().decode(maps).split('\n')
    .filter(l => l.includes('libffi.so')).map(l => l.split(/\s+/).pop()))];
ok(mapped.length > 0 && mapped.every(m => m.endsWith('/' + want)), `mapped: ${mapped.join(' ')} (want ${want})`);

print(`1..${n}`);
System.exit(failed ? 1 : 0);
