/* marshal.c -- GLib's generic marshaller (g_cclosure_marshal_generic),
   which calls the handler through libffi's ffi_call: a signal declared
   without a C marshaller, with integer, double, string and pointer
   arguments and a double result; and which libffi file the process
   mapped.  marshal EXPECT (ffix or debian).  Prints TAP. */
#include <glib-object.h>
#include <stdio.h>
#include <string.h>

static int n, failed;

static void ok(int cond, const char *what)
{
  n++;
  if (!cond) failed++;
  printf("%s %d - %s\n", cond ? "ok" : "not ok", n, what);
}

static gdouble handler(GObject *obj, gint i, gdouble d, const gchar *s, gpointer p, gint64 big,
                       gpointer user_data)
{
  (void) obj;
  int *hits = user_data;
  ++*hits;
  return i + d + (gdouble) strlen(s) + (p == &n ? 1000.0 : 0.0) + (big == G_GINT64_CONSTANT(-5000000000) ? 0.25 : 0.0);
}

/* Every libffi file in /proc/self/maps ends in WANT, and there is one. */
static int mapped_only(const char *want)
{
  FILE *f = fopen("/proc/self/maps", "r");
  char line[4096];
  int seen = 0, other = 0;
  if (!f) return 0;
  while (fgets(line, sizeof line, f)) {
    char *path = strchr(line, '/');
    if (!path || !strstr(path, "libffi.so")) continue;
    path[strcspn(path, "\n")] = 0;
    size_t lp = strlen(path), lw = strlen(want);
    if (lp >= lw && strcmp(path + lp - lw, want) == 0) seen = 1; else other = 1;
  }
  fclose(f);
  return seen && !other;
}

int main(int argc, char **argv)
{
  const char *want = argc > 1 && strcmp(argv[1], "ffix") == 0 ? "/libffi.so.8.5.0" : "/libffi.so.8.1.2";
  /* NULL c_marshaller: GLib picks g_cclosure_marshal_generic. */
  guint id = g_signal_new("probe", G_TYPE_OBJECT, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_DOUBLE,
                          5, G_TYPE_INT, G_TYPE_DOUBLE, G_TYPE_STRING, G_TYPE_POINTER, G_TYPE_INT64);
  GObject *obj = g_object_new(G_TYPE_OBJECT, NULL);
  int hits = 0;
  g_signal_connect(obj, "probe", G_CALLBACK(handler), &hits);
  gdouble r = 0;
  g_signal_emit(obj, id, 0, 7, 0.5, "four", (gpointer) &n, G_GINT64_CONSTANT(-5000000000), &r);
  ok(hits == 1, "the handler ran once");
  ok(r == 7 + 0.5 + 4 + 1000 + 0.25, "the generic marshaller passed every argument and the double result");

  /* A closure marshalled generically, invoked directly. */
  GClosure *c = g_cclosure_new(G_CALLBACK(handler), &hits, NULL);
  g_closure_set_marshal(c, g_cclosure_marshal_generic);
  GValue args[6] = {G_VALUE_INIT, G_VALUE_INIT, G_VALUE_INIT, G_VALUE_INIT, G_VALUE_INIT, G_VALUE_INIT};
  GValue ret = G_VALUE_INIT;
  g_value_init(&args[0], G_TYPE_OBJECT);
  g_value_set_object(&args[0], obj);
  g_value_init(&args[1], G_TYPE_INT);
  g_value_set_int(&args[1], -3);
  g_value_init(&args[2], G_TYPE_DOUBLE);
  g_value_set_double(&args[2], 1.5);
  g_value_init(&args[3], G_TYPE_STRING);
  g_value_set_static_string(&args[3], "xy");
  g_value_init(&args[4], G_TYPE_POINTER);
  g_value_set_pointer(&args[4], NULL);
  g_value_init(&args[5], G_TYPE_INT64);
  g_value_set_int64(&args[5], 1);
  g_value_init(&ret, G_TYPE_DOUBLE);
  g_closure_invoke(c, &ret, 6, args, NULL);
  ok(hits == 2 && g_value_get_double(&ret) == -3 + 1.5 + 2, "g_closure_invoke through g_cclosure_marshal_generic");
  for (int i = 0; i < 6; i++) g_value_unset(&args[i]);
  g_closure_unref(c);
  g_object_unref(obj);
  ok(mapped_only(want), want);
  printf("1..%d\n", n);
  return failed ? 1 : 0;
}
