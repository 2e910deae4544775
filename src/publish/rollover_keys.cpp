#include "publish/rollover_keys.hpp"

#include <openssl/core_names.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <ctime>

#include "base/files.hpp"
#include "base/text.hpp"
#include "net/tls_inspect.hpp"
#include "publish/pem.hpp"

namespace mxtls::publish {
namespace {

constexpr size_t max_pem_size = 1 << 20;

std::string subject_common_name(X509* cert) {
  char name[256] = "";
  if (X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, name, sizeof name) <= 0) return {};
  return name;
}

// The algorithm, size and curve generate_key_like needs.
Result<bool> describe_key(EVP_PKEY* key, ServedKey& out) {
  if (EVP_PKEY_is_a(key, "RSA")) {
    out.algorithm = "RSA";
    out.bits = EVP_PKEY_get_bits(key);
  } else if (EVP_PKEY_is_a(key, "EC")) {
    char group[80] = "";
    if (!EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, nullptr))
      return invalid_error("the served EC key names no curve");
    out.algorithm = "EC";
    out.group = group;
  } else if (EVP_PKEY_is_a(key, "ED25519") || EVP_PKEY_is_a(key, "ED448")) {
    out.algorithm = EVP_PKEY_is_a(key, "ED25519") ? "ED25519" : "ED448";
  } else {
    return invalid_error(std::string("the served key's algorithm (") + EVP_PKEY_get0_type_name(key) +
                         ") is not one rollover can generate (RSA, EC, ED25519, ED448): give --key");
  }
  return true;
}

std::string key_pem_text(EVP_PKEY* key) {
  pem::Bio out(BIO_new(BIO_s_mem()), BIO_free);
  if (!PEM_write_bio_PrivateKey(out.get(), key, nullptr, nullptr, 0, nullptr, nullptr)) return {};
  return pem::bio_text(out.get());
}

// subjectAltName = DNS:a, DNS:b on the request, as an extension request.
bool add_names(X509_REQ* request, const ServedKey& served) {
  std::vector<std::string> names;
  for (const auto& name : served.dns_names) names.push_back("DNS:" + name);
  X509_NAME* subject = X509_REQ_get_subject_name(request);
  const auto& cn = served.common_name.empty() && !served.dns_names.empty() ? served.dns_names[0] : served.common_name;
  if (!cn.empty() && !X509_NAME_add_entry_by_NID(subject, NID_commonName, MBSTRING_UTF8,
                                                 reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0))
    return false;
  if (names.empty()) return true;
  auto* extensions = sk_X509_EXTENSION_new_null();
  X509_EXTENSION* san = X509V3_EXT_conf_nid(nullptr, nullptr, NID_subject_alt_name, join(names, ",").c_str());
  bool ok = san && sk_X509_EXTENSION_push(extensions, san) && X509_REQ_add_extensions(request, extensions);
  if (!ok && san) X509_EXTENSION_free(san);
  sk_X509_EXTENSION_pop_free(extensions, X509_EXTENSION_free);
  return ok;
}

// Each certificate issued by the next, and a lone leaf only if it is
// self-issued: a server sends its intermediates (never needs the root).
Result<bool> check_chain_order(const std::vector<pem::Cert>& chain, const std::string& source) {
  for (size_t i = 0; i + 1 < chain.size(); ++i)
    if (X509_check_issued(chain[i + 1].get(), chain[i].get()) != X509_V_OK)
      return invalid_error("the chain in " + source + " is out of order or incomplete: certificate " +
                           std::to_string(i + 2) + " did not issue certificate " + std::to_string(i + 1));
  if (chain.size() == 1 && X509_check_issued(chain[0].get(), chain[0].get()) != X509_V_OK)
    return invalid_error("the chain in " + source + " is incomplete: the leaf's issuer (" +
                         smtp::describe_certificate(chain[0].get()).issuer +
                         ") is missing; give it with --chain (certbot's chain.pem): senders that verify cannot "
                         "build the path without it");
  return true;
}

Result<bool> check_leaf(X509* leaf, const std::string& source, const std::vector<std::string>& mx_hosts) {
  auto described = smtp::describe_certificate(leaf);
  auto now = std::time(nullptr);
  if (now < described.not_before || now > described.not_after)
    return invalid_error("the certificate in " + source + " is not valid now (not before " +
                         std::to_string(described.not_before) + ", not after " +
                         std::to_string(described.not_after) + ")");
  for (const auto& host : mx_hosts)
    if (X509_check_host(leaf, host.c_str(), host.size(), 0, nullptr) != 1)
      return invalid_error("the certificate in " + source + " does not name the MX host " + host +
                           " (it names " + join(described.dns_names) + ")");
  return true;
}

}  // namespace

Result<ServedKey> read_served_key(const std::string& chain_file) {
  auto text = read_bounded_file(chain_file, max_pem_size);
  if (!text) return text.error();
  auto key = pem::read_private_key(*text);
  auto chain = pem::read_certificates(*text);
  if (!key || chain.empty())
    return invalid_error(chain_file + " is not a file the deploy hook installs: it should hold the private key, "
                         "then the certificate chain");
  ServedKey served;
  auto leaf = smtp::describe_certificate(chain.front().get());
  served.spki_sha256 = leaf.spki_sha256;
  if (pem::key_spki_sha256(key.get()) != served.spki_sha256)
    return invalid_error("the key in " + chain_file + " does not belong to its certificate");
  if (auto described = describe_key(key.get(), served); !described) return described.error();
  served.common_name = subject_common_name(chain.front().get());
  served.dns_names = leaf.dns_names;
  return served;
}

Result<std::string> generate_key_like(const ServedKey& served) {
  EVP_PKEY* raw = nullptr;
  if (served.algorithm == "RSA")
    raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(std::max(served.bits, 2048)));
  else if (served.algorithm == "EC")
    raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", served.group.c_str());
  else
    raw = EVP_PKEY_Q_keygen(nullptr, nullptr, served.algorithm.c_str());
  pem::Key key(raw, EVP_PKEY_free);
  if (!key) return permanent_error("OpenSSL could not generate a " + served.algorithm + " key");
  auto text = key_pem_text(key.get());
  if (text.empty()) return permanent_error("OpenSSL could not write the generated key");
  return text;
}

Result<std::string> private_key_spki(const std::string& pem_text, const std::string& source) {
  auto key = pem::read_private_key(pem_text);
  if (!key)
    return invalid_error(source + " holds no PEM private key (an encrypted key must be decrypted first; a "
                         "certificate or public key is not enough: Postfix needs the private key)");
  return pem::key_spki_sha256(key.get());
}

Result<std::string> make_csr(const std::string& key_pem, const ServedKey& served) {
  auto key = pem::read_private_key(key_pem);
  if (!key) return invalid_error("the next key does not parse");
  std::unique_ptr<X509_REQ, decltype(&X509_REQ_free)> request(X509_REQ_new(), X509_REQ_free);
  // EdDSA signs without a separate digest (RFC 8410 6).
  bool eddsa = EVP_PKEY_is_a(key.get(), "ED25519") || EVP_PKEY_is_a(key.get(), "ED448");
  const EVP_MD* digest = eddsa ? nullptr : EVP_sha256();
  if (!request || !X509_REQ_set_version(request.get(), 0) || !add_names(request.get(), served) ||
      !X509_REQ_set_pubkey(request.get(), key.get()) || !X509_REQ_sign(request.get(), key.get(), digest))
    return permanent_error("OpenSSL could not make the certificate signing request");
  pem::Bio out(BIO_new(BIO_s_mem()), BIO_free);
  if (!PEM_write_bio_X509_REQ(out.get(), request.get())) return permanent_error("cannot write the CSR");
  return pem::bio_text(out.get());
}

Result<std::string> switchable_chain(const std::string& key_pem, const std::string& next_key,
                                     const std::string& cert_pem, const std::string& cert_source,
                                     const std::vector<std::string>& mx_hosts) {
  auto chain = pem::read_certificates(cert_pem);
  if (chain.empty()) return invalid_error(cert_source + " holds no PEM certificate");
  auto leaf_key = smtp::describe_certificate(chain.front().get()).spki_sha256;
  if (leaf_key != next_key)
    return invalid_error("the certificate in " + cert_source + " is for another key (3 1 1 " +
                         hex_encode(leaf_key).substr(0, 16) + "...), not the staged next key (3 1 1 " +
                         hex_encode(next_key).substr(0, 16) +
                         "...) whose record was published: installing it would break DANE delivery");
  auto staged = private_key_spki(key_pem, "the staged key file");
  if (!staged) return staged.error();
  if (*staged != next_key) return invalid_error("the staged key file no longer holds the staged key");
  if (auto ordered = check_chain_order(chain, cert_source); !ordered) return ordered.error();
  if (auto leaf = check_leaf(chain.front().get(), cert_source, mx_hosts); !leaf) return leaf.error();
  std::string text = key_pem;
  if (!text.empty() && text.back() != '\n') text += '\n';
  return text + cert_pem;
}

Result<bool> webpki_verifies(const std::string& pem_text, const std::vector<std::string>& hosts) {
  auto chain = pem::read_certificates(pem_text);
  if (chain.empty()) return invalid_error("no certificate");
  std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store(X509_STORE_new(), X509_STORE_free);
  auto free_stack = [](STACK_OF(X509)* stack) { sk_X509_free(stack); };  // the certificates stay `chain`'s
  std::unique_ptr<STACK_OF(X509), decltype(free_stack)> untrusted(sk_X509_new_null(), free_stack);
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx(X509_STORE_CTX_new(), X509_STORE_CTX_free);
  if (!store || !untrusted || !ctx || !X509_STORE_set_default_paths(store.get()))
    return permanent_error("OpenSSL could not load the system trust store");
  for (size_t i = 1; i < chain.size(); ++i) sk_X509_push(untrusted.get(), chain[i].get());
  if (!X509_STORE_CTX_init(ctx.get(), store.get(), chain.front().get(), untrusted.get()))
    return permanent_error("OpenSSL could not set up the verification");
  X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_SSL_SERVER);
  if (X509_verify_cert(ctx.get()) != 1)
    return invalid_error(X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get())));
  for (const auto& host : hosts)
    if (X509_check_host(chain.front().get(), host.c_str(), host.size(), 0, nullptr) != 1)
      return invalid_error("it does not name " + host);
  return true;
}

}  // namespace mxtls::publish
