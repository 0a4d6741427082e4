package org.studybridge.fhirtestserver;

import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.autoconfigure.elasticsearch.ElasticsearchRestClientAutoConfiguration;
import org.springframework.boot.autoconfigure.quartz.QuartzAutoConfiguration;
import org.springframework.boot.autoconfigure.thymeleaf.ThymeleafAutoConfiguration;
import org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.Environment;
import org.springframework.core.env.MapPropertySource;

/**
 * Entry point of the FHIR R4 server that studybridge's tests run against.
 *
 * Boot autoconfigurations switched off because HAPI brings the libraries but must not get
 * Boot's defaults for them: HAPI starts its own Quartz schedulers, Thymeleaf is only there for
 * HAPI's narratives, and the Elasticsearch client is an unused Hibernate Search backend.
 */
@SpringBootApplication(
		exclude = {
			QuartzAutoConfiguration.class,
			ThymeleafAutoConfiguration.class,
			ElasticsearchRestClientAutoConfiguration.class
		})
public class FhirTestServer {

	private static final Logger LOG = LoggerFactory.getLogger(FhirTestServer.class);

	public static void main(String[] args) {
		SpringApplication app = new SpringApplication(FhirTestServer.class);
		app.addListeners((ApplicationEnvironmentPreparedEvent event) -> keepH2OpenUntilContextCloses(event.getEnvironment()));
		app.run(args);
	}

	/**
	 * H2 closes a database from its own JVM shutdown hook by default. On SIGTERM that hook races
	 * with Spring's shutdown, and HAPI's background writers then fail against a closed database.
	 * With DB_CLOSE_ON_EXIT=FALSE the database closes when the connection pool does, as the last
	 * step of Spring's shutdown. Applied to any H2 URL, including one given on the command line.
	 */
	static void keepH2OpenUntilContextCloses(ConfigurableEnvironment env) {
		String url = env.getProperty("spring.datasource.url");
		if (url != null && url.startsWith("jdbc:h2:") && !url.toUpperCase().contains("DB_CLOSE_ON_EXIT")) {
			env.getPropertySources()
					.addFirst(new MapPropertySource(
							"h2-close-on-exit", Map.of("spring.datasource.url", url + ";DB_CLOSE_ON_EXIT=FALSE")));
		}
	}

	/** The one line logged at INFO: the tests' logs show where the server listens and on which database. */
	@EventListener(ApplicationReadyEvent.class)
	public void announce(ApplicationReadyEvent event) {
		Environment env = event.getApplicationContext().getEnvironment();
		LOG.info(
				"FHIR R4 test server ready at http://{}:{}/fhir (database {}, started in {} ms)",
				env.getProperty("server.address", "0.0.0.0"),
				env.getProperty("local.server.port"),
				env.getProperty("spring.datasource.url"),
				event.getTimeTaken() == null ? "?" : event.getTimeTaken().toMillis());
	}
}
