/*
 * The C API under AddressSanitizer and UndefinedBehaviorSanitizer
 * (scripts/ffi.sh): NULLs, short buffers, the wrong call order, hostile
 * bootstrap files (every truncation, every byte flipped, random bytes), a
 * run answered "not found", and the monitor. Exits non-zero on the first
 * failed check.
 */
#include <stdalign.h>
#include <stdio.h>
#include <string.h>

#include "scboot.h"

static int failures;

#define CHECK(cond)                                                        \
  do {                                                                     \
    if (!(cond)) {                                                         \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__,     \
              #cond);                                                      \
      failures++;                                                          \
    }                                                                      \
  } while (0)

static const uint8_t KEY[16] = {0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47,
                                0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f};

/* One Security instance with resource 0 "coap://h", then FF padding. */
static const uint8_t FILE1[] = {0x00, 0x01, 0x00, 0x13, 0x00, 0x00, 0x00, 0x00,
                                0x0e, 0x08, 0x00, 0x0b, 0xc8, 0x00, 0x08, 'c',
                                'o',  'a',  'p',  ':',  '/',  '/',  'h',  0xff,
                                0xff};

static alignas(SCBOOT_PROCEDURE_MAX_ALIGN) uint8_t memory[SCBOOT_PROCEDURE_MAX_SIZE];
static uint8_t workspace[2048];

static scboot_procedure *start(void) {
  scboot_keys keys = {0x30, sizeof KEY, KEY, KEY, KEY};
  scboot_config config;
  scboot_procedure *p = NULL;
  CHECK(scboot_config_default(&config) == SCBOOT_OK);
  config.host_challenge[0] = 1;
  CHECK(scboot_procedure_init(memory, sizeof memory, &keys, &config, workspace,
                              sizeof workspace, &p) == SCBOOT_OK);
  return p;
}

static void nulls_and_sizes(void) {
  scboot_keys keys = {0x30, sizeof KEY, KEY, KEY, KEY};
  scboot_config config;
  scboot_procedure *p = NULL;
  scboot_file f;
  scboot_account a;
  scboot_monitor m;
  uint8_t cmd[300];
  size_t n = 0;
  CHECK(scboot_procedure_size() <= SCBOOT_PROCEDURE_MAX_SIZE);
  CHECK(scboot_procedure_align() <= SCBOOT_PROCEDURE_MAX_ALIGN);
  CHECK(scboot_config_default(NULL) == SCBOOT_ERR_NULL);
  CHECK(scboot_config_default(&config) == SCBOOT_OK);
  CHECK(scboot_procedure_init(NULL, 0, &keys, &config, workspace,
                              sizeof workspace, &p) == SCBOOT_ERR_NULL);
  CHECK(scboot_procedure_init(memory, sizeof memory, NULL, &config, workspace,
                              sizeof workspace, &p) == SCBOOT_ERR_NULL);
  CHECK(scboot_procedure_init(memory, sizeof memory, &keys, &config, workspace,
                              sizeof workspace, NULL) == SCBOOT_ERR_NULL);
  CHECK(scboot_procedure_init(memory, 8, &keys, &config, workspace,
                              sizeof workspace, &p) == SCBOOT_ERR_BUFFER);
  CHECK(scboot_procedure_init(memory + 1, sizeof memory - 1, &keys, &config,
                              workspace, sizeof workspace,
                              &p) == SCBOOT_ERR_ARGUMENT);
  keys.key_len = 15;
  CHECK(scboot_procedure_init(memory, sizeof memory, &keys, &config, workspace,
                              sizeof workspace, &p) == SCBOOT_ERR_ARGUMENT);
  keys.key_len = 16;
  config.level = 0x07;
  CHECK(scboot_procedure_init(memory, sizeof memory, &keys, &config, workspace,
                              sizeof workspace, &p) == SCBOOT_ERR_ARGUMENT);
  CHECK(scboot_procedure_next(NULL, cmd, sizeof cmd, &n) == SCBOOT_ERR_NULL);
  CHECK(scboot_procedure_response(NULL, cmd, 2) == SCBOOT_ERR_NULL);
  CHECK(scboot_procedure_file(NULL, &f) == SCBOOT_ERR_NULL);
  CHECK(scboot_bootstrap_parse(NULL, 4, &f) == SCBOOT_ERR_NULL);
  CHECK(scboot_bootstrap_parse(FILE1, sizeof FILE1, NULL) == SCBOOT_ERR_NULL);
  CHECK(scboot_file_account(NULL, 0, &a) == SCBOOT_ERR_NULL);
  CHECK(scboot_monitor_init(NULL) == SCBOOT_ERR_NULL);
  CHECK(scboot_monitor_init(&m) == SCBOOT_OK);
  CHECK(scboot_monitor_check(&m, NULL) == SCBOOT_ERR_NULL);
  CHECK(scboot_strerror(SCBOOT_ERR_NULL) != NULL);
  CHECK(strcmp(scboot_strerror(12345), "unknown code") == 0);
}

static void call_order(void) {
  uint8_t cmd[300];
  size_t n = 0;
  scboot_file f;
  scboot_monitor m;
  const uint8_t not_found[2] = {0x6a, 0x82};
  scboot_procedure *p = start();
  CHECK(scboot_procedure_response(p, not_found, 2) == SCBOOT_ERR_ORDER);
  CHECK(scboot_procedure_pin(p, 0x81, (const uint8_t *)"1234", 4) ==
        SCBOOT_ERR_ORDER);
  CHECK(scboot_procedure_file(p, &f) == SCBOOT_ERR_ORDER);
  CHECK(scboot_procedure_next(p, cmd, 4, &n) == SCBOOT_ERR_BUFFER);
  CHECK(scboot_procedure_next(p, cmd, sizeof cmd, &n) == SCBOOT_TRANSMIT);
  CHECK(n == 8 && cmd[1] == 0xa4); /* SELECT EF.DIR */
  /* The card has no EF.DIR: its data is gone. */
  CHECK(scboot_procedure_response(p, not_found, 2) ==
        SCBOOT_ERR_NO_BOOTSTRAP_DATA);
  CHECK(scboot_procedure_next(p, cmd, sizeof cmd, &n) == SCBOOT_ERR_ORDER);
  /* A monitor holding card data: removed; holding nothing: an error. */
  m.applied = 1;
  memset(m.digest, 7, sizeof m.digest);
  CHECK(scboot_monitor_check(&m, p) == SCBOOT_REMOVED);
  CHECK(m.applied == 0);
  CHECK(scboot_monitor_check(&m, p) == SCBOOT_ERR_NO_BOOTSTRAP_DATA);
  CHECK(scboot_procedure_clear(p) == SCBOOT_OK);
  CHECK(scboot_procedure_clear(p) == SCBOOT_ERR_ORDER);
  CHECK(scboot_procedure_next(p, cmd, sizeof cmd, &n) == SCBOOT_ERR_ORDER);
  /* The same "not found", written in place into the procedure's memory. */
  p = start();
  {
    uint8_t *room = NULL;
    size_t cap = 0;
    CHECK(scboot_procedure_response_buffer(p, NULL, &cap) == SCBOOT_ERR_NULL);
    CHECK(scboot_procedure_response_written(p, 2) == SCBOOT_ERR_ORDER);
    CHECK(scboot_procedure_response_buffer(p, &room, &cap) == SCBOOT_ERR_ORDER);
    CHECK(scboot_procedure_next(p, cmd, sizeof cmd, &n) == SCBOOT_TRANSMIT);
    CHECK(scboot_procedure_response_buffer(p, &room, &cap) == SCBOOT_OK);
    CHECK(room != NULL && cap >= 258);
    memcpy(room, not_found, 2);
    CHECK(scboot_procedure_response_written(p, 2) ==
          SCBOOT_ERR_NO_BOOTSTRAP_DATA);
  }
  CHECK(scboot_procedure_clear(p) == SCBOOT_OK);
  /* The same with the command in the procedure's memory too: no buffer. */
  p = start();
  {
    const uint8_t *command = NULL;
    uint8_t *room = NULL;
    size_t cap = 0;
    CHECK(scboot_procedure_next_in_place(p, NULL, &n) == SCBOOT_ERR_NULL);
    CHECK(scboot_procedure_next_in_place(p, &command, NULL) == SCBOOT_ERR_NULL);
    CHECK(scboot_procedure_next_in_place(p, &command, &n) == SCBOOT_TRANSMIT);
    CHECK(scboot_procedure_response_buffer(p, &room, &cap) == SCBOOT_OK);
    /* Both at once, apart: the SELECT EF.DIR and the room for its answer. */
    CHECK(command != NULL && n == 8 && command[1] == 0xa4 && command[5] == 0x2f);
    CHECK(command + n <= room || room + cap <= command);
    memcpy(room, not_found, 2);
    CHECK(scboot_procedure_response_written(p, 2) ==
          SCBOOT_ERR_NO_BOOTSTRAP_DATA);
    CHECK(scboot_procedure_next_in_place(p, &command, &n) == SCBOOT_ERR_ORDER);
  }
  CHECK(scboot_procedure_clear(p) == SCBOOT_OK);
  /* A transport failure that is not an absent card changes nothing. */
  p = start();
  CHECK(scboot_procedure_transport_failed(p, 99) == SCBOOT_ERR_ARGUMENT);
  CHECK(scboot_procedure_transport_failed(p, SCBOOT_FAULT_TRANSIENT) ==
        SCBOOT_ERR_TRANSPORT);
  m.applied = 1;
  CHECK(scboot_monitor_check(&m, p) == SCBOOT_ERR_TRANSPORT);
  CHECK(m.applied == 1);
  CHECK(scboot_procedure_clear(p) == SCBOOT_OK);
}

static void files(void) {
  scboot_file f;
  scboot_account a;
  uint8_t buf[sizeof FILE1];
  uint32_t seed = 1;
  size_t i, cut;
  CHECK(scboot_bootstrap_parse(FILE1, sizeof FILE1, &f) == SCBOOT_OK);
  CHECK(f.len == 23 && f.objects == 1);
  CHECK(scboot_file_account(&f, 0, &a) == SCBOOT_OK);
  CHECK(a.uri_len == 8 && memcmp(a.uri, "coap://h", 8) == 0);
  CHECK(a.identity == NULL && a.identity_len == 0);
  CHECK(a.security_mode == -1 && a.short_server_id == -1);
  CHECK(scboot_file_account(&f, 1, &a) == SCBOOT_ERR_INDEX);
  for (cut = 0; cut < 23; cut++) {
    CHECK(scboot_bootstrap_parse(FILE1, cut, &f) == SCBOOT_ERR_PARSE);
  }
  /* Every byte flipped: a code, never a crash; what parses has accounts
     that stay inside the buffer. */
  for (i = 0; i < sizeof FILE1; i++) {
    memcpy(buf, FILE1, sizeof buf);
    buf[i] ^= 0xff;
    if (scboot_bootstrap_parse(buf, sizeof buf, &f) == SCBOOT_OK) {
      size_t k;
      for (k = 0; scboot_file_account(&f, k, &a) == SCBOOT_OK; k++) {
        CHECK(a.uri == NULL || (a.uri >= buf && a.uri + a.uri_len <= buf + sizeof buf));
      }
    }
  }
  /* Random files. */
  for (i = 0; i < 20000; i++) {
    size_t len = 0, k;
    uint8_t r[64];
    seed = seed * 1103515245u + 12345u;
    len = (seed >> 16) % sizeof r;
    for (k = 0; k < len; k++) {
      seed = seed * 1103515245u + 12345u;
      r[k] = (uint8_t)(seed >> 16);
    }
    if (len >= 4 && (i & 1)) { /* a plausible header */
      r[0] = 0;
      r[1] = 1;
      r[2] = 0;
      r[3] = (uint8_t)(len - 4);
    }
    if (scboot_bootstrap_parse(r, len, &f) == SCBOOT_OK) {
      for (k = 0; scboot_file_account(&f, k, &a) == SCBOOT_OK && k < 8; k++) {
        CHECK(a.uri == NULL || (a.uri >= r && a.uri + a.uri_len <= r + len));
      }
    }
  }
}

int main(void) {
  nulls_and_sizes();
  call_order();
  files();
  if (failures) {
    fprintf(stderr, "%d checks failed\n", failures);
    return 1;
  }
  printf("C API checks passed (ASan/UBSan build)\n");
  return 0;
}
