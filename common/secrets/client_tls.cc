#include "secrets/client_tls.h"

#include <fmt/format.h>

#include "options.h"
#include "secrets/pem_file.h"

namespace groupwire {

std::optional<ClientTls> client_tls_flags(const boost::program_options::variables_map& vm,
                                          const char* ca, const char* cert, const char* key) {
  auto ca_pem = pem_file_flag(vm, ca);
  auto cert_pem = pem_file_flag(vm, cert);
  auto key_pem = pem_file_flag(vm, key);
  if (cert_pem && !key_pem) throw BadOption{cert, fmt::format("needs --{} too", key)};
  if (key_pem && !cert_pem) throw BadOption{key, fmt::format("needs --{} too", cert)};
  if (!ca_pem && !cert_pem) return std::nullopt;
  return ClientTls{ca_pem.value_or(""), cert_pem.value_or(""), key_pem.value_or("")};
}

}  // namespace groupwire
