// Reading the certificate, key and DH files a Postfix configuration names
// (OpenSSL), for postfix/gather.cpp.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "postfix/audit.hpp"

namespace mxtls::postfix {

// stat(2) and access(2) of path (owner, group, mode, readable by us).
FileFacts file_facts(const std::string& parameter, const std::string& path);

// The certificates and key of (parameter, path) pairs (server_cert_files()),
// verified against the system CAs and ca_file ("": none).
ServerCertFacts read_server_cert(const std::vector<std::pair<std::string, std::string>>& files,
                                 const std::string& ca_file);

DhFacts read_dh_params(const std::string& path);

}  // namespace mxtls::postfix
