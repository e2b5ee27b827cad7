// What a gRPC client presents and trusts when it speaks TLS to a coordinator, as PEM text read
// from the files its flags name.
#pragma once

#include <optional>
#include <string>

#include <boost/program_options/variables_map.hpp>

namespace groupwire {

struct ClientTls {
  std::string ca_pem;    // the roots the server's certificate must chain to; empty: the system's
  std::string cert_pem;  // the client certificate (chain); empty: none presented
  std::string key_pem;
};

// The TLS settings of flags --`ca`, --`cert` and --`key`: nullopt when none is given. Throws
// BadOption naming the flag when a file cannot be read, or when a certificate comes without its
// key or a key without its certificate.
std::optional<ClientTls> client_tls_flags(const boost::program_options::variables_map& vm,
                                          const char* ca, const char* cert, const char* key);

}  // namespace groupwire
