// Certificates, keys and tokens named on a command line, read once at start-up. Their contents
// are secrets: no message here or in a caller ever includes them, only the file's name.
#pragma once

#include <optional>
#include <string>

#include <boost/program_options/variables_map.hpp>

namespace groupwire {

// The whole file, or nullopt and why not (`error` names the path, never the contents).
std::optional<std::string> read_secret_file(const std::string& path, std::string& error);

// A PEM file (a certificate chain, a key or a CA bundle): readable and holding at least one
// "-----BEGIN " block.
std::optional<std::string> read_pem_file(const std::string& path, std::string& error);

// The PEM file named by --`flag`, or nullopt when it was not given. Throws BadOption naming the
// flag when the file cannot be read or holds no PEM block.
std::optional<std::string> pem_file_flag(const boost::program_options::variables_map& vm,
                                         const char* flag);

// A bearer token: the text with surrounding whitespace (a file's final newline) removed.
// Nullopt when nothing is left.
std::optional<std::string> trimmed_token(std::string text);

}  // namespace groupwire
