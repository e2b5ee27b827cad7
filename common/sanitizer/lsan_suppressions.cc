// Linked into every executable of a sanitizer build (GROUPWIRE_SANITIZE).
//
// gRPC's detached threads can outlive main() while holding OpenSSL 3 state (a TLS channel's
// sessions and error queue), which LeakSanitizer then reports as lost, now and then, at exit
// (grpc/grpc#38539). OpenSSL is built without frame pointers, so such a report's stack ends inside
// libcrypto and cannot be told apart by its caller: allocations made inside libcrypto are not
// reported. Leaks of our own objects, and of gRPC's, still are.
extern "C" const char* __lsan_default_suppressions() {
  return "leak:libcrypto.so\n";
}
