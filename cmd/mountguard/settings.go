package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/docker/go-units"
	"github.com/mountguard/mountguard/review/config"
	"go.yaml.in/yaml/v4"
)

// settings configure `mountguard serve`. They come from an optional YAML
// file and from MOUNTGUARD_* environment variables, which win.
type settings struct {
	AppID           int64         `yaml:"app_id"`
	PrivateKey      string        `yaml:"-"`
	PrivateKeyPath  string        `yaml:"private_key_path"`
	WebhookSecret   string        `yaml:"-"`
	SecretPath      string        `yaml:"webhook_secret_path"`
	GitHubURL       string        `yaml:"github_url"`
	Addr            string        `yaml:"addr"`
	Workers         int           `yaml:"workers"`
	QueueSize       int           `yaml:"queue_size"`
	CheckName       string        `yaml:"check_name"`
	JobTimeout      time.Duration `yaml:"job_timeout"`
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
	LogFormat       string        `yaml:"log_format"`
	LogLevel        string        `yaml:"log_level"`
	CacheSize       string        `yaml:"cache_size"`
}

// settingError names the setting that is wrong: start-up stops with this
// one line.
type settingError struct {
	name string
	msg  string
}

func (e *settingError) Error() string { return e.name + ": " + e.msg }

func defaultSettings() settings {
	return settings{
		GitHubURL:       "https://api.github.com/",
		Addr:            ":8080",
		Workers:         4,
		QueueSize:       1000,
		CheckName:       "mountguard",
		JobTimeout:      10 * time.Minute,
		ShutdownTimeout: 30 * time.Second,
		LogFormat:       "json",
		LogLevel:        "info",
		CacheSize:       "64MiB",
	}
}

// loadSettings reads the file (if any), then the environment, and checks
// the result. readFile reads key and secret files.
func loadSettings(file string, getenv func(string) string, readFile func(string) ([]byte, error)) (settings, error) {
	s := defaultSettings()
	if file != "" {
		data, err := readFile(file)
		if err != nil {
			return s, &settingError{"--config", err.Error()}
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(&s); err != nil && !errors.Is(err, io.EOF) {
			return s, &settingError{file, config.YAMLError(err).Error()}
		}
	}
	str := func(name string, dst *string) {
		if v := getenv(name); v != "" {
			*dst = v
		}
	}
	num := func(name string, dst *int) error {
		if v := getenv(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n <= 0 {
				return &settingError{name, fmt.Sprintf("%q is not a positive whole number", v)}
			}
			*dst = n
		}
		return nil
	}
	dur := func(name string, dst *time.Duration) error {
		if v := getenv(name); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return &settingError{name, fmt.Sprintf("%q is not a duration such as 30s or 5m", v)}
			}
			*dst = d
		}
		return nil
	}
	// A value read from a file (a Kubernetes Secret key, the app-id file
	// setup writes) often ends in a newline.
	if v := strings.TrimSpace(getenv("MOUNTGUARD_APP_ID")); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return s, &settingError{"MOUNTGUARD_APP_ID", fmt.Sprintf("%q is not a GitHub App id (a positive number, shown on the App's settings page)", v)}
		}
		s.AppID = id
	}
	str("MOUNTGUARD_PRIVATE_KEY", &s.PrivateKey)
	str("MOUNTGUARD_PRIVATE_KEY_PATH", &s.PrivateKeyPath)
	str("MOUNTGUARD_WEBHOOK_SECRET", &s.WebhookSecret)
	str("MOUNTGUARD_WEBHOOK_SECRET_PATH", &s.SecretPath)
	str("MOUNTGUARD_GITHUB_URL", &s.GitHubURL)
	str("MOUNTGUARD_ADDR", &s.Addr)
	str("MOUNTGUARD_CHECK_NAME", &s.CheckName)
	str("MOUNTGUARD_LOG_FORMAT", &s.LogFormat)
	str("MOUNTGUARD_LOG_LEVEL", &s.LogLevel)
	str("MOUNTGUARD_CACHE_SIZE", &s.CacheSize)
	for _, err := range []error{
		num("MOUNTGUARD_WORKERS", &s.Workers),
		num("MOUNTGUARD_QUEUE_SIZE", &s.QueueSize),
		dur("MOUNTGUARD_JOB_TIMEOUT", &s.JobTimeout),
		dur("MOUNTGUARD_SHUTDOWN_TIMEOUT", &s.ShutdownTimeout),
	} {
		if err != nil {
			return s, err
		}
	}
	if s.PrivateKey == "" && s.PrivateKeyPath != "" {
		data, err := readFile(s.PrivateKeyPath)
		if err != nil {
			return s, &settingError{"MOUNTGUARD_PRIVATE_KEY_PATH", err.Error()}
		}
		s.PrivateKey = string(data)
	}
	if s.WebhookSecret == "" && s.SecretPath != "" {
		data, err := readFile(s.SecretPath)
		if err != nil {
			return s, &settingError{"MOUNTGUARD_WEBHOOK_SECRET_PATH", err.Error()}
		}
		s.WebhookSecret = string(data)
	}
	// A secret pasted into an environment variable, or a Kubernetes
	// Secret made from a file, often ends in a newline; signed with it,
	// every delivery would be refused.
	s.WebhookSecret = strings.TrimSpace(s.WebhookSecret)
	return s, s.check()
}

func (s settings) check() error {
	switch {
	case s.AppID == 0:
		return &settingError{"MOUNTGUARD_APP_ID", "not set: give the GitHub App's id (App settings → General → App ID)"}
	case s.AppID < 0:
		return &settingError{"MOUNTGUARD_APP_ID", fmt.Sprintf("%d is not a GitHub App id (a positive number, shown on the App's settings page)", s.AppID)}
	case s.PrivateKey == "":
		return &settingError{"MOUNTGUARD_PRIVATE_KEY", "not set: give the App's private key (PEM) in MOUNTGUARD_PRIVATE_KEY or a file in MOUNTGUARD_PRIVATE_KEY_PATH"}
	case !strings.Contains(s.PrivateKey, "-----BEGIN") || !strings.Contains(s.PrivateKey, "PRIVATE KEY-----"):
		return &settingError{"MOUNTGUARD_PRIVATE_KEY", "is not a PEM private key (it should start with -----BEGIN RSA PRIVATE KEY-----)"}
	case s.WebhookSecret == "":
		return &settingError{"MOUNTGUARD_WEBHOOK_SECRET", "not set: give the App's webhook secret (or a file in MOUNTGUARD_WEBHOOK_SECRET_PATH); unsigned deliveries are never accepted"}
	case s.CheckName == "" || len(s.CheckName) > 100:
		return &settingError{"MOUNTGUARD_CHECK_NAME", "must be 1 to 100 characters"}
	}
	u, err := url.Parse(s.GitHubURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return &settingError{"MOUNTGUARD_GITHUB_URL", fmt.Sprintf("%q is not a REST API base URL such as https://api.github.com/ or https://ghe.example.com/api/v3/", s.GitHubURL)}
	}
	if s.LogFormat != "json" && s.LogFormat != "text" {
		return &settingError{"MOUNTGUARD_LOG_FORMAT", fmt.Sprintf("%q: use json or text", s.LogFormat)}
	}
	switch strings.ToLower(s.LogLevel) {
	case "debug", "info", "warn", "error":
	default:
		return &settingError{"MOUNTGUARD_LOG_LEVEL", fmt.Sprintf("%q: use debug, info, warn or error", s.LogLevel)}
	}
	if _, err := units.RAMInBytes(s.CacheSize); err != nil {
		return &settingError{"MOUNTGUARD_CACHE_SIZE", fmt.Sprintf("%q is not a size such as 64MiB", s.CacheSize)}
	}
	// The environment's values were checked as they were read; these
	// checks are for the file's.
	switch {
	case s.Workers <= 0:
		return &settingError{"MOUNTGUARD_WORKERS", fmt.Sprintf("%d: must be a positive whole number", s.Workers)}
	case s.QueueSize <= 0:
		return &settingError{"MOUNTGUARD_QUEUE_SIZE", fmt.Sprintf("%d: must be a positive whole number", s.QueueSize)}
	case s.JobTimeout <= 0:
		return &settingError{"MOUNTGUARD_JOB_TIMEOUT", fmt.Sprintf("%s: must be a positive duration such as 10m", s.JobTimeout)}
	case s.ShutdownTimeout <= 0:
		return &settingError{"MOUNTGUARD_SHUTDOWN_TIMEOUT", fmt.Sprintf("%s: must be a positive duration such as 30s", s.ShutdownTimeout)}
	}
	return nil
}

// cacheBytes is the parsed cache size.
func (s settings) cacheBytes() int64 {
	n, _ := units.RAMInBytes(s.CacheSize)
	return n
}

func readFileOS(p string) ([]byte, error) { return os.ReadFile(p) }
