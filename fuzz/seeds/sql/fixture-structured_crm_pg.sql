--
-- PostgreSQL database dump
--

-- Dumped from database version 15.6
-- Dumped by pg_dump version 15.6

SET statement_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;

SET default_tablespace = '';

--
-- Name: clients; Type: TABLE; Schema: public; Owner: crm
--

CREATE TABLE public.clients (
    id integer NOT NULL,
    full_name text NOT NULL,
    iin character varying(12),
    phone text,
    email text,
    birth_date date,
    iin_hash character(64),
    avatar_filename text,
    note text
);


ALTER TABLE public.clients OWNER TO crm;

CREATE TABLE public.orders (
    id bigint NOT NULL,
    client_id integer,
    contact_phone text,
    comment text
);

--
-- Data for Name: clients; Type: TABLE DATA; Schema: public; Owner: crm
--

COPY public.clients (id, full_name, iin, phone, email, birth_date, iin_hash, avatar_filename, note) FROM stdin;
1	Иванов Иван	850315300128	+7 701 123 45 67	ivan.ivanov0@mail.kz	1985-03-15	633fa48e669a72b1451feb2be85a3cae21cfd7588a5b3a22e4216021163c0167	avatar_0.png	\N
2	Ахметова Ольга	050722600456	8 (702) 124-24-86	askar.akhmetov1@gmail.com	2005-07-22	617eded854d1ec591a692e812e3386d564b59e9755b6e1a81c039d5f6f958ed8	avatar_1.png	\N
3	Сейткали Ерлан	000229500038	+77051250405	aigerim.s2@inbox.ru	2000-02-29	dacb46ff8646460bcbe2df3bae68219f6f41ebd773c8c479c9f6c34a3f612d2c	avatar_2.png	Звонить вечером\nтел. 8 (701) 155-13-27
4	Нурланова Жанна	840304449571	+7 707 125 83 24	d.nurlanov3@kaspi.kz	1984-03-04	623133e509c0ec80cabe203bf36a119f3e8a4966a2db1e915acbf415c4866f9e	avatar_3.png	\N
5	Ким Мадина	770122460776	8 (708) 126-62-43	olga.kim4@yandex.kz	1977-01-22	0198d245787e989664c7c9bd7d49be97aba55f8f0853a308bf762cc867a5edb3	avatar_4.png	доп. почта: askar.akhmetov41@gmail.com
6	Петрова Айгерим	690720488066	+77471274162	t.petrov5@mail.kz	1969-07-20	39d0ef3028cd3e99229010db683d46c5182a150f0aed46aa245c180cbaf83ab7	avatar_5.png	\N
\.


--
-- Data for Name: orders; Type: TABLE DATA; Schema: public; Owner: crm
--

INSERT INTO public.orders (id, client_id, contact_phone, comment) VALUES (1000, 1, '+7 701 131 37 57', NULL);
INSERT INTO public.orders (id, client_id, contact_phone, comment) VALUES (1001, 2, '+7 702 132 16 76', 'Клиент''s order, email t.petrov21@gmail.com');
INSERT INTO public.orders (id, client_id, contact_phone, comment) VALUES (1002, 3, '+7 705 132 95 95', NULL);


ALTER TABLE ONLY public.clients
    ADD CONSTRAINT clients_pkey PRIMARY KEY (id);

--
-- PostgreSQL database dump complete
--
