/** The Kafka-topics sink: contributor data in compacted topics (tombstoned) and retained topics (reported). */
package org.erasure.sink.kafka;
