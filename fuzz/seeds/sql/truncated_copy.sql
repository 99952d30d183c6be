--
-- PostgreSQL database dump
--
SET client_encoding = 'UTF8';
CREATE TABLE public.clients (
    id integer NOT NULL,
    full_name text,
    iin character varying(12),
    phone text,
    email text
);
COPY public.clients (id, full_name, iin, phone, email) FROM stdin;
1	Иванов Иван Иванович	850315300128	+7 701 234 56 78	ivan@mail.kz
2	Петрова\tАнна	\N	8 (727) 355-66-77	anna\\petrova@mail.kz
3	Line\nbreak	000229500038	\N	\N
\.
INSERT INTO public.clients VALUES (4, 'O''Brien', '050722600456', NULL, 'x@y.kz');
INSERT INTO public.clients (id, iin) VALUES (5, '850315300128'), (6, NULL);
