/*
 * Starts librdkafka's built-in mock Kafka cluster (rdkafka_mock.h) so that real
 * clients (kcat, confluent_kafka / librdkafka) can be driven against it while
 * tshark captures the wire bytes (golden vectors), and as the benchmark's
 * consumer-protocol peer (tests/bench/consumer_protocol.py).
 *
 * Build: gcc mock_broker.c -lrdkafka -o /tmp/mock_broker
 *        (tests/bench/build_mock_215.sh: against librdkafka 2.15.1)
 * Run:   /tmp/mock_broker [--topic NAME:PARTITIONS]...
 *                         [--consumer-heartbeat-interval-ms MS]
 *        prints "BOOTSTRAP host:port", then sleeps until SIGTERM/SIGINT.
 *        --topic adds a topic to the golden ones; the heartbeat interval the
 *        mock gives consumer-protocol members needs librdkafka 2.15.1.
 */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t run = 1;
static void stop(int sig) { (void)sig; run = 0; }

static int usage(const char *why) {
        fprintf(stderr, "mock_broker: %s\n", why);
        return 2;
}

int main(int argc, char **argv) {
        char errstr[512];
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        /* The mock cluster needs an rd_kafka_t to live in; it never connects
         * anywhere itself. */
        rd_kafka_conf_set(conf, "bootstrap.servers", "", errstr, sizeof(errstr));
        rd_kafka_t *rk =
            rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
        if (!rk) {
                fprintf(stderr, "rd_kafka_new: %s\n", errstr);
                return 1;
        }
        /* One broker: every coordinator and partition leader is broker 1, so a
         * single tshark port filter sees all traffic. */
        rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, 1);
        if (!mc) {
                fprintf(stderr, "rd_kafka_mock_cluster_new failed\n");
                return 1;
        }
        rd_kafka_mock_topic_create(mc, "golden-topic", 3, 1);
        rd_kafka_mock_topic_create(mc, "golden-topic-b", 2, 1);
        for (int i = 1; i < argc; i += 2) {
                if (i + 1 >= argc)
                        return usage("an option without its value");
                if (!strcmp(argv[i], "--topic")) {
                        char *colon = strrchr(argv[i + 1], ':');
                        int partitions = colon ? atoi(colon + 1) : 0;
                        if (partitions <= 0)
                                return usage("--topic takes NAME:PARTITIONS");
                        *colon = '\0';
                        rd_kafka_mock_topic_create(mc, argv[i + 1], partitions,
                                                   1);
#if RD_KAFKA_VERSION >= 0x020f0100
                } else if (!strcmp(argv[i],
                                   "--consumer-heartbeat-interval-ms")) {
                        rd_kafka_mock_set_group_consumer_heartbeat_interval_ms(
                            mc, atoi(argv[i + 1]));
#endif
                } else {
                        return usage("unknown option (see the comment atop "
                                     "mock_broker.c)");
                }
        }

        signal(SIGTERM, stop);
        signal(SIGINT, stop);
        printf("BOOTSTRAP %s\n", rd_kafka_mock_cluster_bootstraps(mc));
        fflush(stdout);
        while (run)
                usleep(100 * 1000);
        rd_kafka_mock_cluster_destroy(mc);
        rd_kafka_destroy(rk);
        return 0;
}
